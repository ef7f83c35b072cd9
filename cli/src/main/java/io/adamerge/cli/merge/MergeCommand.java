package io.adamerge.cli.merge;

import io.adamerge.cli.ProgressListener;
import io.adamerge.data.DataException;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.Merger;
import io.adamerge.merge.config.MergeConfig;
import io.adamerge.merge.config.MergeOverrides;
import io.adamerge.merge.MergeJob;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.TestTimeMethod;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code adamerge merge}: a merge from a mergekit-style YAML file or from flags. Data-free methods stream through
 * core's streaming executor; methods that run the models on data (fisher, regmean) go to the torch module's
 * engine with each model's head and data; both through core's {@link Merger}.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge fine-tuned models: data-free (with their pretrained base, tensor by tensor) or, for fisher "
                + "and regmean, from each model's behaviour on unlabelled data of its task.",
                "Give a mergekit-style YAML config (merge_method, base_model, models: [{model, parameters, head, data}], "
                        + "parameters, dtype, out, vision_config) or the flags below; flags override the config.",
                "A per-model number may be one value for all models or a comma-separated list, one per model."},
        footer = {"", "Examples:",
                "  adamerge merge --method ties --base pre.safetensors --models ft_0.safetensors ft_1.safetensors "
                        + "--density 0.2 --lambda 0.3 --out merged.safetensors",
                "  adamerge merge --method fisher --models ft_0.safetensors ft_1.safetensors --heads head_0.safetensors "
                        + "head_1.safetensors --data test_0.safetensors images_1/ --samples 256 --out merged.safetensors",
                "  adamerge merge config.yml merged/"})
public final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "mergekit-style YAML merge config")
    Path config;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUTPUT", description = "output (as --out)")
    Path positionalOut;

    @Option(names = "--method", paramLabel = "NAME",
            description = "weight_average, task_arithmetic, ties, dare, dare_ties, fisher, regmean, tsv_m, iso_c, ... or a variant such as iso_c_lowrank (see --list-methods)")
    String method;

    @Option(names = "--base", paramLabel = "PATH", description = "pretrained model: .safetensors, *.index.json or HF directory")
    Path base;

    @Option(names = "--models", arity = "1..*", paramLabel = "PATH", description = "fine-tuned models")
    List<Path> models;

    @Option(names = "--lambda", paramLabel = "X[,X...]", description = "task-vector scaling (task_arithmetic: one per model allowed)")
    String lambda;

    @Option(names = "--density", paramLabel = "F[,F...]", description = "Ties: fraction of each task vector kept (default 0.2)")
    String density;

    @Option(names = "--ties-scope", paramLabel = "global|per-tensor",
            description = "Ties trim over the whole task vector (official, default) or per tensor (mergekit)")
    String tiesScope;

    @Option(names = "--ties-merge", paramLabel = "sum|mean", description = "Ties disjoint merge (default sum)")
    String tiesMerge;

    @Option(names = "--drop-rate", paramLabel = "P[,P...]", description = "DARE drop probability (default 0.9)")
    String dropRate;

    @Option(names = "--seed", paramLabel = "N", description = "DARE drop seed; fisher/regmean image choice (default 0)")
    Long seed;

    @Option(names = "--heads", arity = "1..*", paramLabel = "HEAD",
            description = "fisher: each model's classification head (safetensors with 'weight' [classes, dim]), in model order")
    List<Path> heads;

    @Option(names = "--data", arity = "1..*", paramLabel = "IMAGES",
            description = "fisher, regmean: each model's unlabelled images (safetensors with 'pixel_values' [N, C, H, W] "
                    + "or an image folder), in model order")
    List<Path> data;

    @Option(names = "--samples", paramLabel = "N", description = "fisher, regmean: images per task (default 256)")
    Long samples;

    @Option(names = "--alpha", paramLabel = "A", description = "regmean: scale of the Grams' off-diagonals (default 0.9); tsv_m, iso_c, iso_cts: scale of the merged task vector (default 1.0)")
    String alpha;

    @Option(names = "--floor", paramLabel = "EPS", description = "fisher: ε added to every Fisher entry (default 1e-8)")
    String floor;

    @Option(names = "--vision-config", paramLabel = "JSON",
            description = "fisher, regmean: CLIPVisionConfig JSON for checkpoints without config.json")
    Path visionConfig;

    @Option(names = {"-P", "--param"}, paramLabel = "NAME=VALUE", description = "any parameter of the method")
    Map<String, String> extraParameters = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "PATH",
            description = "output: NAME.safetensors for one file, otherwise a model directory (sharded, with config.json)")
    Path out;

    @Option(names = "--force", description = "Replace an existing output (a file, or a folder and everything in it); "
            + "an input is never replaced")
    boolean force;

    @Option(names = "--dtype", paramLabel = "float32|float16|bfloat16",
            description = "dtype of the merged tensors (default: each input tensor's)")
    String dtype;

    @Option(names = "--shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "largest shard of a directory output (default ${DEFAULT-VALUE}; KB/MB/GB = 1000^n, KiB/MiB/GiB = 1024^n)")
    String shardSize;

    @Option(names = "--allow-nonfinite", description = "merge even if an input holds NaN or infinity")
    boolean allowNonFinite;

    @Option(names = "--chunk-size", paramLabel = "ELEMENTS", hidden = true, description = "elements per streamed chunk")
    int chunkElements = MergeJob.DEFAULT_CHUNK_ELEMENTS;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "threads of a data-free merge (default: one per core); the output is the same whatever N")
    int threads;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--list-methods", description = "list the merge methods and their parameters, then exit")
    boolean listMethods;

    @Option(names = "--report-peak-memory", hidden = true, description = "print the process's peak resident memory at the end")
    boolean reportPeakMemory;

    @Override
    public Integer call() {
        return merge();
    }

    /** Parse (config + flags) → call {@link Merger} → print. */
    private int merge() {
        PrintWriter stdout = spec.commandLine().getOut();
        Merger merger = Merger.discover();
        if (listMethods) {
            listMethods(merger.methods(), stdout);
            return 0;
        }
        if (out != null && positionalOut != null) {
            throw new MergeConfigException("both OUTPUT (" + positionalOut + ") and --out (" + out + ") are given; give one");
        }
        MergeConfig cfg = config == null ? null : MergeConfig.read(config);
        MergeConfig merge = overrides().applyTo(cfg, merger.methods());
        Merger.Options options = new Merger.Options(force, parseSize(shardSize), allowNonFinite, chunkElements, threads);
        Inputs inputs = Inputs.of().add("--base", merge.base()).addAll("--models", merge.models())
                .addAll("--heads", merge.heads().stream().filter(Objects::nonNull).toList())
                .addAll("--data", merge.data().stream().filter(Objects::nonNull).toList())
                .add("--vision-config", merge.visionConfig()).add("CONFIG", config);
        OutputTarget target = merger.checkOutput(merge, options, outputOption(cfg), inputs);
        if (target.replaces()) {
            stdout.println(target.replacementNote());
        }
        boolean onData = merger.methods().get(merge.method()) instanceof DataDrivenMethod;
        if (onData) {
            stdout.printf(Locale.ROOT, "%s: %d models, parameters %s%n", merge.method(), merge.models().size(),
                    merge.parameters().isEmpty() ? "(defaults)" : new TreeMap<>(merge.parameters()));
        }
        stdout.flush();
        ProgressListener progress = new ProgressListener(onData ? merge.method() : "merge", !noProgress);
        Merger.Result result;
        try {
            result = merger.merge(merge, target, options, progress);
        } catch (DataException e) {
            // bad images: reported like any other bad input
            throw new MergeConfigException(e.getMessage());
        } finally {
            progress.end();
        }
        printResult(result, onData, stdout);
        return 0;
    }

    private void printResult(Merger.Result result, boolean onData, PrintWriter stdout) {
        double seconds = result.elapsed().toNanos() / 1e9;
        if (onData) {
            stdout.printf(Locale.ROOT, "merged %s: %d tensors merged, %,d parameters per model in %.2f s%n", result.method(),
                    result.mergedTensors(), result.parameters(), seconds);
        } else {
            stdout.printf(Locale.ROOT, "merged %s: %d tensors merged, %d carried, %,d parameters per model in %.2f s "
                            + "(%d pass%s, %.2f GB read, %.2f GB/s of input)%n",
                    result.method(), result.mergedTensors(), result.carriedTensors(), result.parameters(), seconds,
                    result.passes(), result.passes() == 1 ? "" : "es", result.bytesRead() / 1e9,
                    result.inputBytes() / 1e9 / seconds);
        }
        for (Path p : result.outputFiles()) {
            stdout.println("wrote " + p.toAbsolutePath());
        }
        if (reportPeakMemory) {
            stdout.println("peak RSS: " + PeakMemory.peakResidentKiB() + " KiB");
            stdout.printf(Locale.ROOT, "process CPU: %.2f s%n", PeakMemory.processCpuSeconds());
        }
        stdout.flush();
    }

    /** Every method of the one registry, by kind, with what it needs and its parameters. */
    private void listMethods(MergeMethods registry, PrintWriter out) {
        for (MergeMethodInfo.Kind kind : MergeMethodInfo.Kind.values()) {
            List<MergeMethodInfo> methods = registry.ofKind(kind);
            if (methods.isEmpty()) {
                continue;
            }
            out.printf("%s methods:%n", kind.label());
            for (MergeMethodInfo m : methods) {
                String perModel = m instanceof DataDrivenMethod d ? " [per model: data" + (d.needsHeads() ? ", head" : "") + "]" : "";
                String needs = m.needs().description() + (m instanceof TestTimeMethod ? " and every task's head" : "");
                out.printf("%s%s: %s; needs %s%s%n", m.name(), m.aliases().isEmpty() ? "" : " (" + String.join(", ", m.aliases()) + ")",
                        m.description(), needs, perModel);
                for (MergeParameter p : m.parameters()) {
                    out.printf("    %-15s %-8s %-9s default %-10s %s%n", p.name(), p.type().name().toLowerCase(Locale.ROOT),
                            p.scope() == ParameterScope.GLOBAL ? "global" : "per-model",
                            p.required() ? "(required)" : String.valueOf(p.defaultValue()),
                            p.description() + (p.choices().isEmpty() ? "" : " " + p.choices()));
                }
                if (m instanceof io.adamerge.merge.MergeMethod free) {
                    for (io.adamerge.merge.MethodVariant v : free.variants()) {
                        out.printf("  variant %s = %s with %s: %s%n", v.name(), v.base(), v.overrides(), v.description());
                    }
                }
            }
        }
        out.flush();
    }

    /** The flags, as overrides of the config (or instead of one). */
    MergeOverrides overrides() {
        Map<String, String> flags = new LinkedHashMap<>();
        putIfSet(flags, "lambda", lambda);
        putIfSet(flags, "density", density);
        putIfSet(flags, "scope", tiesScope);
        putIfSet(flags, "merge", tiesMerge);
        putIfSet(flags, "drop_rate", dropRate);
        putIfSet(flags, "seed", seed == null ? null : seed.toString());
        putIfSet(flags, "samples", samples == null ? null : samples.toString());
        putIfSet(flags, "alpha", alpha);
        putIfSet(flags, "floor", floor);
        flags.putAll(extraParameters);
        return new MergeOverrides(method, base, models, heads, data, flags, dtype, out != null ? out : positionalOut,
                visionConfig);
    }

    /** How the user named the output, for messages. */
    private String outputOption(MergeConfig cfg) {
        return out != null ? "--out" : positionalOut != null ? "OUTPUT"
                : cfg != null && cfg.output() != null ? "out (in " + config + ")" : "--out";
    }

    private static void putIfSet(Map<String, String> flags, String name, String value) {
        if (value != null) {
            flags.put(name, value);
        }
    }

    private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|k|m|g|t)?\\s*");

    /** "5GB" = 5·10^9 bytes, "512MiB" = 512·2^20, a bare number is bytes. */
    public static long parseSize(String text) {
        Matcher mt = SIZE.matcher(text);
        if (!mt.matches()) {
            throw new MergeConfigException("size '" + text + "' is not like 5GB, 500MB or 1GiB");
        }
        double v = Double.parseDouble(mt.group(1));
        String unit = mt.group(2) == null ? "b" : mt.group(2).toLowerCase(Locale.ROOT);
        double factor = switch (unit) {
            case "b" -> 1;
            case "kb", "k" -> 1e3;
            case "mb", "m" -> 1e6;
            case "gb", "g" -> 1e9;
            case "tb", "t" -> 1e12;
            case "kib" -> 1024.0;
            case "mib" -> 1024.0 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            case "tib" -> 1024.0 * 1024 * 1024 * 1024;
            default -> throw new MergeConfigException("unknown size unit in '" + text + "'");
        };
        long bytes = (long) (v * factor);
        if (bytes <= 0) {
            throw new MergeConfigException("size '" + text + "' must be positive");
        }
        return bytes;
    }
}
