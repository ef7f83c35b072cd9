package io.adamerge.cli;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.DataException;
import io.adamerge.zoo.Backbones;
import io.adamerge.zoo.ModelCard;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooBuilder;
import io.adamerge.zoo.ZooRecipe;
import io.adamerge.zoo.ZooReport;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge zoo}: pretrain the backbone, build the fine-tuned zoo, report how it merges. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "The benchmark's models: a pretrained CLIP-style ViT, a fine-tuned model and frozen head per task, "
                + "and a multi-task model.",
        subcommands = {ZooCommand.Pretrain.class, ZooCommand.Build.class, ZooCommand.Report.class})
public final class ZooCommand {
    /** The system property by which the launcher names the installation's root folder. */
    static final String HOME_PROPERTY = "adamerge.home";

    /**
     * Where {@code zoo pretrain} writes and {@code zoo build}, the demo and the studies read the backbone by default:
     * {@code zoo/backbone} of the installation (committed to the repository), found through {@value #HOME_PROPERTY}, which
     * {@code ./adamerge} sets, so that a command run from any folder uses the same backbone and gives the same zoo;
     * without the property, relative to the working folder.
     */
    static Path defaultBackbone() {
        Path relative = Path.of("zoo", "backbone");
        String home = System.getProperty(HOME_PROPERTY);
        return home == null || home.isBlank() ? relative : Path.of(home).toAbsolutePath().resolve(relative);
    }

    /** The options of the commands that train from a recipe. */
    static final class RecipeOptions {
        @Mixin
        DataOptions data = new DataOptions();

        @Option(names = "--recipe", paramLabel = "FILE", description = "YAML file overriding parts of the default recipe.")
        Path recipe;

        @Option(names = "--seed", defaultValue = "0", description = "Training seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--quick", description = "A tiny recipe (a few steps on small subsets), for tests.")
        boolean quick;

        /** What a zoo command reads: the recipe file and the data directory. */
        Inputs inputs() {
            return Inputs.of().add("--recipe", recipe).add("--data", data.directory().root());
        }

        ZooRecipe recipe() {
            ZooRecipe r = recipe == null ? ZooRecipe.defaults() : ZooRecipe.load(recipe);
            return quick ? r.quick() : r;
        }
    }

    @Command(name = "pretrain", mixinStandardHelpOptions = true,
            description = "Pretrains the backbone (supervised lowercase glyphs + rotation prediction on the benchmark's train "
                    + "images; never their labels or test images) and saves it as a Hugging Face folder with its card. "
                    + "Deterministic for a seed; skipped when the folder already holds this recipe's backbone.")
    static final class Pretrain implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RecipeOptions options = new RecipeOptions();

        @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: zoo/backbone of the installation).")
        Path out;

        @Option(names = "--force", description = "Retrain even when the folder holds this recipe's backbone.")
        boolean force;

        @Override
        public Integer call() {
            PrintWriter w = spec.commandLine().getOut();
            ZooRecipe recipe = options.recipe();
            Path target = out != null ? out : defaultBackbone();
            OutputTarget.check("--out", target, OutputTarget.Kind.RESULTS_DIRECTORY, false, options.inputs());
            ModelCard card = Backbones.pretrain(recipe, options.seed, options.data.forRecipe(recipe), target, force, w);
            w.printf(Locale.ROOT, "backbone %s: %d steps, seed %d, sha256 %s%n", target.toAbsolutePath(), card.training().steps(),
                    card.seed(), card.backboneSha256());
            return 0;
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Builds the zoo from the backbone: per task a frozen linear-probe head and a fully fine-tuned model, "
                    + "plus a multi-task model, each with a JSON card. Cached: only what is missing or out of date is trained.")
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RecipeOptions options = new RecipeOptions();

        @Option(names = "--out", paramLabel = "DIR",
                description = "Zoo folder (default: $ADAMERGE_ZOO, else ~/.cache/adamerge/zoo; zoo-quick with --quick).")
        Path out;

        @Option(names = "--backbone", paramLabel = "DIR", description = "Pretrained backbone folder (default: zoo/backbone of the installation).")
        Path backbone;

        @Option(names = "--benchmark", paramLabel = "NAME", defaultValue = "image",
                description = "image (the ViT zoo) or text (all-MiniLM-L6-v2 from its Maven jar, zero-shot heads, the eight text "
                        + "tasks; --recipe is then a text recipe, e.g. zoo/text-recipe.yml; default folder "
                        + "~/.cache/adamerge/zoo-text). Default: ${DEFAULT-VALUE}.")
        String benchmark;

        @Override
        public Integer call() {
            PrintWriter w = spec.commandLine().getOut();
            if (Benchmark.parse(benchmark) == Benchmark.TEXT) {
                if (backbone != null) {
                    throw new IllegalArgumentException("--backbone is for the image zoo; the text zoo imports its encoder");
                }
                TextZooPreparation.build(out, options.recipe, options.seed, options.quick, options.data, w);
                return 0;
            }
            ZooRecipe recipe = options.recipe();
            Path target = out != null ? out : ZooOptions.defaultFolder(options.quick);
            OutputTarget.check("--out", target, OutputTarget.Kind.RESULTS_DIRECTORY, false,
                    options.inputs().add("--backbone", backbone != null ? backbone : defaultBackbone()));
            ZooBuilder.Summary s = new ZooBuilder(recipe, options.seed, options.data.forRecipe(recipe), w)
                    .build(backbone != null ? backbone : defaultBackbone(), target);
            w.printf(Locale.ROOT, "zoo %s: %d built, %d cached, %.1f s%n", target.toAbsolutePath(), s.built().size(),
                    s.cached().size(), s.seconds());
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Evaluates a built zoo on the test splits (backbone with heads, individual, multi-task, weight "
                    + "averaging, task arithmetic) and checks that it merges like a large pretrained model; writes "
                    + "zoo-report.md and zoo-report.json.")
    static final class Report implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ZooOptions zoo = new ZooOptions();

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "results/zoo",
                description = "Report folder (default: ${DEFAULT-VALUE}).")
        Path out;

        @Mixin
        DataOptions data = new DataOptions();

        @Option(names = "--quick", description = "Report on the --quick zoo.")
        boolean quick;

        @Override
        public Integer call() {
            PrintWriter w = spec.commandLine().getOut();
            OutputTarget.check("--out", out, OutputTarget.Kind.RESULTS_DIRECTORY, false,
                    Inputs.of().add("--zoo", zoo.folder(quick)).add("--data", data.directory().root()));
            Zoo z = Zoo.open(zoo.folder(quick));
            ZooReport.Result result = ZooReport.run(z, data.forZoo(z));
            ZooReport.write(result, out);
            w.print(ZooReport.markdown(result));
            w.println("wrote " + out.resolve("zoo-report.md").toAbsolutePath() + " and zoo-report.json");
            w.flush();
            return 0;
        }
    }
}
