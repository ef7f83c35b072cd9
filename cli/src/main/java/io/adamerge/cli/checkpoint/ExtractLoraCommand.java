package io.adamerge.cli.checkpoint;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.peft.LoraExtraction;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.taskvector.ModelSet;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge extract-lora}: a model's difference from its base as a PEFT LoRA adapter (mergekit's extract-lora). */
@Command(name = "extract-lora", mixinStandardHelpOptions = true,
        description = {"Writes MODEL − BASE as a PEFT LoRA adapter of rank R (adapter_config.json + adapter_model.safetensors): "
                + "every differing 2-D *.weight is factored by truncated SVD (lora_B = U·diag(s), lora_A = Vᵀ, lora_alpha = R), "
                + "names containing 'embed' as LoRA embeddings. One matrix at a time.",
                "Prints the relative Frobenius error ‖ΔW − B·A‖/‖ΔW‖ per matrix and overall, and the share of the difference "
                        + "an adapter cannot hold (biases, norms, convolutions stay at the base's values)."})
public final class ExtractLoraCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "PRE", description = "the base model the adapter applies to")
    Path base;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "the model to approximate (a merged or fine-tuned checkpoint, or an adapter folder)")
    Path model;

    @Option(names = "--svd", paramLabel = "exact|randomized", defaultValue = "exact",
            converter = DecompositionConverter.class,
            description = "exact: each difference's full SVD, truncated to rank R (optimal factors; slow on large matrices); "
                    + "randomized: its leading R triplets by a seeded randomized range finder (10 extra columns, 2 power "
                    + "iterations), far faster on large matrices, near-optimal where the spectrum decays; the reported "
                    + "error is exact for the factors written either way. Default: ${DEFAULT-VALUE}.")
    LoraExtraction.Decomposition svd;

    /** exact | randomized, case-insensitive, with a message naming the option. */
    static final class DecompositionConverter implements picocli.CommandLine.ITypeConverter<LoraExtraction.Decomposition> {
        @Override
        public LoraExtraction.Decomposition convert(String value) {
            try {
                return LoraExtraction.Decomposition.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("exact or randomized, got '" + value + "'");
            }
        }
    }

    @Option(names = "--no-progress", description = "no progress bar (it steps once per matrix, each a singular value decomposition)")
    boolean noProgress;

        @Option(names = "--rank", required = true, paramLabel = "R", description = "LoRA rank r")
    int rank;

    @Option(names = "--targets", paramLabel = "REGEX",
            description = "only tensors whose whole name matches REGEX (default: every differing 2-D *.weight)")
    String targets;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "new adapter folder")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Option(names = "--verbose", description = "print the error of every matrix")
    boolean verbose;

    @Override
    public Integer call() {
        return extract();
    }

    private int extract() {
        PrintWriter w = spec.commandLine().getOut();
        OutputTarget.check("--out", out, OutputTarget.Kind.DIRECTORY, force, Inputs.of().add("--base", base).add("--model", model));
        Pattern pattern = null;
        if (targets != null) {
            try {
                pattern = Pattern.compile(targets);
            } catch (PatternSyntaxException e) {
                throw new CheckpointException("--targets: not a valid regular expression (" + e.getDescription() + ")");
            }
        }
        if (rank < 1) {
            throw new CheckpointException("--rank must be at least 1, not " + rank);
        }
        for (Path input : new Path[]{base, model}) {
            if (Files.exists(out) && Files.exists(input) && sameOrInside(input, out)) {
                throw new CheckpointException("--out " + out + " is (or holds) the input " + input + "; choose another folder");
            }
        }
        long start = System.nanoTime();
        LoraExtraction.Result r;
        ProgressBar[] bar = {null};
        try (Checkpoint b = Checkpoint.open(base); Checkpoint m = ModelSet.openModel(model, base)) {
            r = LoraExtraction.extract(b, m, rank, pattern, out, base.toString(), force, svd, (tensor, done, total) -> {
                if (noProgress) {
                    return;
                }
                if (bar[0] == null) {
                    bar[0] = new ProgressBarBuilder().setTaskName("extract-lora").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(250).setUnit(" matrices", 1)
                            .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
                }
                if (done > 0) {
                    bar[0].setExtraMessage(" " + tensor);
                    bar[0].stepTo(done);
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        if (verbose) {
            r.matrices().stream().sorted(Comparator.comparing(LoraExtraction.MatrixError::tensor)).forEach(e ->
                    w.printf(Locale.ROOT, "  %-60s rank %3d  relative error %.4f%n", e.tensor(), e.rank(), e.relativeError()));
        }
        LoraExtraction.MatrixError worst = r.matrices().stream().max(Comparator.comparingDouble(LoraExtraction.MatrixError::relativeError)).orElseThrow();
        w.printf(Locale.ROOT, "wrote %s: rank %d, %d matrices; relative Frobenius error %.4f overall, worst %.4f (%s)%n",
                out, rank, r.matrices().size(), r.relativeError(), worst.relativeError(), worst.tensor());
        if (!r.unrepresented().isEmpty()) {
            w.printf(Locale.ROOT, "not in the adapter (kept at the base's values): %d tensors, %.2f%% of ‖Δθ‖² (e.g. %s)%n",
                    r.unrepresented().size(), 100 * r.unrepresentedShare(), r.unrepresented().get(0));
        }
        w.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static boolean sameOrInside(Path input, Path out) {
        Path i = input.toAbsolutePath().normalize();
        Path o = out.toAbsolutePath().normalize();
        return i.equals(o) || i.startsWith(o);
    }
}
