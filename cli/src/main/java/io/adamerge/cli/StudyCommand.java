package io.adamerge.cli;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.cli.study.StudyReport;
import io.adamerge.data.DataException;
import io.adamerge.merge.MergeMethods;
import io.adamerge.study.DistanceStudy;
import io.adamerge.study.EntropyStudy;
import io.adamerge.study.GeneralizationStudy;
import io.adamerge.study.RobustnessStudy;
import io.adamerge.study.SensitivityStudy;
import io.adamerge.study.StudyContext;
import io.adamerge.study.StudyMethod;
import io.adamerge.study.StudySettings;
import io.adamerge.zoo.TextZoo;
import io.adamerge.zoo.Zoo;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code adamerge study}: the paper's studies on a zoo, written as one report with tables, figures, CSV and JSON. */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = "Runs the AdaMerging paper's studies on a zoo (--zoo, else the default zoo, fetched and built when missing; generalisation to unseen tasks, robustness to "
                + "corrupted test data, entropy vs loss, λ sensitivity, model distances) and writes report.md, PNG figures, "
                + "CSV and JSON into --out.")
public final class StudyCommand implements Callable<Integer> {
    /** The studies, in the order {@code all} runs them. */
    public enum Which { GENERALIZATION, ROBUSTNESS, ENTROPY, SENSITIVITY, DISTANCES, NEGATION, ALL }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STUDY",
            description = "generalization, robustness, entropy, sensitivity, distances, negation or all.",
            converter = WhichConverter.class)
    Which which;

    @Option(names = "--benchmark", paramLabel = "NAME", defaultValue = "image",
            description = "image (the ViT zoo) or text (the all-MiniLM-L6-v2 text zoo: --zoo, else ~/.cache/adamerge/zoo-text, built "
                    + "when missing; 100 test texts per task and 50 AdaMerging steps by default; robustness uses the seven text "
                    + "corruptions). Default: ${DEFAULT-VALUE}.")
    String benchmark;

    @Option(names = "--quick", description = "A few images and steps per study (the quick zoo unless --zoo is given), for tests.")
    boolean quick;

    @Mixin
    ZooOptions zoo = new ZooOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results/study", description = "Report folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "AdaMerging steps per run (default: 200, 50 on text; 3 with --quick).")
    Integer steps;

    @Option(names = "--test-images", paramLabel = "N", description = "Test images (texts) per task, the first of each split; 0 = all "
            + "(default: 500, 100 on text; 16 with --quick).")
    Integer testImages;

    @Option(names = "--severity", paramLabel = "1-5", description = "Corruption severity of the robustness study (default: 3).")
    Integer severity;

    @Option(names = "--unseen", paramLabel = "TASK,TASK",
            description = "Held-out tasks of one generalisation split, comma-separated; give the option once per split "
                    + "(default: mnist,glyphs-k-t and fashion-rot90,kana-10; on another zoo its last two and its first two tasks).")
    List<String> unseenSplits;

    @Option(names = "--robustness-tasks", paramLabel = "TASK,...", split = ",",
            description = "Tasks merged in the robustness study (default: mnist,fashion,glyphs-a-j,kana-10; on another zoo its first four).")
    List<String> robustnessTasks;

    @Option(names = "--negation-control", paramLabel = "TASK[,TASK...]", split = ",",
            description = "Control task of the negation study; with several, each target's control is the first listed "
                    + "that is not the target itself (e.g. gcide,wordnet). Default: the other tasks together.")
    List<String> negationControl = new ArrayList<>();

    @Option(names = "--pool", paramLabel = "full|lora", defaultValue = "full",
            description = "Text benchmark: the fine-tuned models: full (the full fine-tunes) or lora (the zoo's LoRA adapters, "
                    + "<zoo>/lora/<task>, built by a recipe with a 'lora:' section; their task vectors are (alpha/r)·B·A). "
                    + "Default: ${DEFAULT-VALUE}.")
    String pool;

    @Option(names = "--methods", paramLabel = "a,b,...", split = ",",
            description = "Methods the studies compare (default: task_arithmetic,ties,lw_adamerging,lw_adamerging_pp): any method "
                    + "of 'adamerge merge --list-methods', e.g. tsv_m,iso_c,iso_cts (α curves over 0.1..3.0 in the sensitivity "
                    + "study) or adarank_ta,adarank_tsv.")
    List<String> methods;

    static final class WhichConverter implements picocli.CommandLine.ITypeConverter<Which> {
        @Override
        public Which convert(String value) {
            try {
                return Which.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown study '" + value
                        + "'; choose generalization, robustness, entropy, sensitivity, distances, negation or all");
            }
        }
    }

    StudySettings settings() {
        StudySettings s = quick ? StudySettings.quick() : Benchmark.parse(benchmark) == Benchmark.TEXT ? StudySettings.text() : StudySettings.full();
        if (steps != null) {
            if (steps < 0) {
                throw new IllegalArgumentException("--steps must be >= 0, got " + steps);
            }
            s = s.withAdaSteps(steps);
        }
        if (testImages != null) {
            if (testImages < 0) {
                throw new IllegalArgumentException("--test-images must be >= 0, got " + testImages);
            }
            s = s.withTestImages(testImages);
        }
        if (severity != null) {
            s = s.withSeverity(severity);
        }
        return s;
    }

    List<GeneralizationStudy.Split> splits(List<String> tasks) {
        List<List<String>> unseen = new ArrayList<>();
        if (unseenSplits == null || unseenSplits.isEmpty()) {
            unseen.addAll(GeneralizationStudy.defaultUnseen(tasks));
        } else {
            for (String s : unseenSplits) {
                unseen.add(java.util.Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList());
            }
        }
        List<GeneralizationStudy.Split> out = new ArrayList<>();
        for (int i = 0; i < unseen.size(); i++) {
            out.add(GeneralizationStudy.Split.leaveOut("split " + (char) ('A' + i), tasks, unseen.get(i)));
        }
        return out;
    }

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        boolean text = Benchmark.parse(benchmark) == Benchmark.TEXT;
        TextZooPreparation.checkPool(pool, text);
        OutputTarget.check("--out", out, OutputTarget.Kind.RESULTS_DIRECTORY, false, Inputs.of()
                .add("--zoo", text ? (zoo.zoo != null ? zoo.zoo : TextZooPreparation.defaultFolder(quick)) : zoo.folder(quick))
                .add("--data", data.directory().root()));
        StudySettings settings = settings();
        MergeMethods registry = MergeMethods.discover();
        List<String> compared = methods == null || methods.isEmpty() ? StudyMethod.defaults()
                : methods.stream().map(String::trim).filter(m -> !m.isEmpty()).distinct().toList();
        compared.forEach(m -> StudyMethod.of(m, settings, registry)); // unknown names fail before the zoo is prepared
        long t0 = System.nanoTime();
        StudyContext context;
        String zooLine;
        if (text) {
            // as the text demo: an explicit --zoo holding a text zoo is opened, else the text zoo is built there (or in the default folder)
            TextZoo z = TextZooPreparation.pool(zoo.zoo != null && Files.isRegularFile(zoo.zoo.resolve(TextZoo.MANIFEST))
                    ? TextZoo.open(zoo.zoo) : TextZooPreparation.build(zoo.zoo, null, 0, quick, data, w), pool);
            zooLine = String.format(Locale.ROOT, "Text zoo `%s`" + (z.isLoraPool() ? ", its LoRA adapters as the fine-tuned models," : "")
                    + " (recipe %s, seed %d, %d tasks, %s)", z.root(), z.manifest().recipeHash(),
                    z.manifest().seed(), z.tasks().size(), z.recipe().model());
            context = StudyContext.text(z, data.directory(), settings, compared, registry);
        } else {
            // an explicit --zoo must hold one; the default zoo is fetched and built when missing, as the demo does
            Zoo z = zoo.zoo != null ? Zoo.open(zoo.zoo) : ZooPreparation.prepare(null, quick, data, w);
            zooLine = String.format(Locale.ROOT, "Zoo `%s` (recipe %s, seed %d, %d tasks)", z.root(), z.manifest().recipeHash(),
                    z.manifest().seed(), z.tasks().size());
            context = new StudyContext(z, data.forZoo(z), settings, compared, registry);
        }
        try (StudyContext ctx = context) {
            List<String> tasks = ctx.models().tasks();
            List<String> robust = robustnessTasks == null || robustnessTasks.isEmpty() ? RobustnessStudy.defaultTasks(tasks) : robustnessTasks;
            List<GeneralizationStudy.Split> splits = splits(tasks);
            boolean all = which == Which.ALL;
            StudyReport report = new StudyReport(out, String.format(Locale.ROOT,
                    "%s. Settings: %s test %s per task, %d AdaMerging steps (layer-wise, "
                            + "batch %d per task, Adam lr 1e-3, λ₀ 0.3), Task Arithmetic / Ties λ %.1f, Ties density %.1f, seed %d%s.%n",
                    zooLine, settings.testImages() == 0 ? "all" : String.valueOf(settings.testImages()), text ? "texts" : "images",
                    settings.adaSteps(), settings.adaBatch(), settings.lambda(), settings.tiesDensity(), settings.seed(),
                    quick ? " (--quick)" : ""), text);
            if (all || which == Which.GENERALIZATION) {
                report.generalization(GeneralizationStudy.run(ctx, splits));
            }
            if (all || which == Which.ROBUSTNESS) {
                RobustnessStudy.Result r = RobustnessStudy.run(ctx, robust, ctx.data().corruptions());
                report.robustness(r, ctx.test(robust.get(0)), settings.seed());
            }
            if (all || which == Which.ENTROPY) {
                report.entropy(EntropyStudy.run(ctx, tasks));
            }
            if (all || which == Which.SENSITIVITY) {
                report.sensitivity(SensitivityStudy.run(ctx, tasks));
            }
            if (all || which == Which.DISTANCES) {
                report.distances(DistanceStudy.run(ctx, tasks));
            }
            if (all || which == Which.NEGATION) {
                report.negation(io.adamerge.study.NegationStudy.run(ctx, tasks, negationControl));
            }
            w.print(report.markdown());
            w.printf(Locale.ROOT, "%nwrote %s (%s) in %.0f s%n", out.toAbsolutePath(), String.join(", ", report.files()),
                    (System.nanoTime() - t0) / 1e9);
        }
        w.flush();
        return 0;
    }
}
