package io.adamerge.cli.merge;

import io.adamerge.cli.CliErrors;
import io.adamerge.cli.ProgressListener;
import io.adamerge.checkpoint.DType;
import io.adamerge.data.DataException;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeResult;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.data.DataMergeExecutor;
import io.adamerge.merge.data.DataMergeJob;
import io.adamerge.merge.data.DataMergeResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * core's {@link MergeExecutor}; methods that run the models on data (fisher, regmean) go to the torch module's
 * {@link DataMergeExecutor} with each model's head and data.
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
            description = "weight_average, task_arithmetic, ties, dare, dare_ties, fisher, regmean (see --list-methods)")
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

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--list-methods", description = "list the merge methods and their parameters, then exit")
    boolean listMethods;

    @Option(names = "--report-peak-memory", hidden = true, description = "print the process's peak resident memory at the end")
    boolean reportPeakMemory;

    @Override
    public Integer call() {
        return CliErrors.run(spec, this::merge);
    }

    private int merge() {
        PrintWriter stdout = spec.commandLine().getOut();
        MergeMethods registry = MergeMethods.discover();
        if (listMethods) {
            listMethods(registry, stdout);
            return 0;
        }
        MergeConfig cfg = config == null ? null : MergeConfig.read(config);
        String methodName = method != null ? method : cfg != null ? cfg.method() : null;
        if (methodName == null) {
            throw new MergeConfigException("give a merge config or --method (see --list-methods)");
        }
        MergeMethodInfo m = registry.get(methodName);
        if (m instanceof DataDrivenMethod) {
            DataMergeJob job = dataJob(m, cfg);
            Inputs inputs = Inputs.of().add("--base", job.base()).addAll("--models", job.modelPaths())
                    .addAll("--heads", job.models().stream().map(DataMergeJob.TaskModel::head).filter(p -> p != null).toList())
                    .addAll("--data", job.models().stream().map(DataMergeJob.TaskModel::data).filter(p -> p != null).toList())
                    .add("--vision-config", job.visionConfig()).add("CONFIG", config);
            announce(OutputTarget.model(outputOption(cfg), job.output(), force, inputs), stdout);
            return mergeOnData(new DataMergeExecutor(registry), job, stdout);
        }
        rejectDataInputs(m, cfg);
        MergeExecutor executor = new MergeExecutor(registry);
        MergeJob job = job(m, cfg);
        OutputTarget target = OutputTarget.model(outputOption(cfg), job.output(), force,
                MergeExecutor.inputsOf(job).add("CONFIG", config));
        announce(target, stdout);
        ProgressListener progress = new ProgressListener("merge", !noProgress);
        MergeResult result;
        try {
            result = executor.run(job, target, progress);
        } finally {
            progress.end();
        }
        double seconds = result.elapsed().toNanos() / 1e9;
        stdout.printf(Locale.ROOT, "merged %s: %d tensors merged, %d carried, %,d parameters per model in %.2f s "
                        + "(%d pass%s, %.2f GB read, %.2f GB/s of input)%n",
                job.method(), result.mergedTensors(), result.carriedTensors(), result.parameters(), seconds,
                result.passes(), result.passes() == 1 ? "" : "es", result.bytesRead() / 1e9,
                result.inputBytes() / 1e9 / seconds);
        for (Path p : result.outputFiles()) {
            stdout.println("wrote " + p);
        }
        reportResources(stdout);
        stdout.flush();
        return 0;
    }

    private int mergeOnData(DataMergeExecutor executor, DataMergeJob job, PrintWriter stdout) {
        stdout.printf(Locale.ROOT, "%s: %d models, parameters %s%n", job.method(), job.models().size(),
                job.parameters().isEmpty() ? "(defaults)" : new TreeMap<>(job.parameters()));
        stdout.flush();
        DataMergeResult result;
        ProgressListener progress = new ProgressListener(job.method(), !noProgress);
        try {
            result = executor.run(job, progress);
        } catch (DataException e) {
            // bad images: reported like any other bad input
            throw new MergeConfigException(e.getMessage());
        } finally {
            progress.end();
        }
        stdout.printf(Locale.ROOT, "merged %s: %d tensors merged, %,d parameters per model in %.2f s%n", job.method(),
                result.mergedTensors(), result.parameters(), result.elapsed().toNanos() / 1e9);
        stdout.println("wrote " + result.output().toAbsolutePath());
        reportResources(stdout);
        stdout.flush();
        return 0;
    }

    private void reportResources(PrintWriter stdout) {
        if (reportPeakMemory) {
            stdout.println("peak RSS: " + PeakMemory.peakResidentKiB() + " KiB");
            stdout.printf(Locale.ROOT, "process CPU: %.2f s%n", PeakMemory.processCpuSeconds());
        }
    }

    private void listMethods(MergeMethods registry, PrintWriter out) {
        for (MergeMethodInfo m : registry.all()) {
            String needs = m instanceof DataDrivenMethod d ? " [per model: data" + (d.needsHeads() ? ", head" : "") + "]" : "";
            out.printf("%s%s: %s%s%n", m.name(), m.aliases().isEmpty() ? "" : " (" + String.join(", ", m.aliases()) + ")",
                    m.description(), needs);
            for (MergeParameter p : m.parameters()) {
                out.printf("    %-15s %-8s %-9s default %-10s %s%n", p.name(), p.type().name().toLowerCase(Locale.ROOT),
                        p.scope() == ParameterScope.GLOBAL ? "global" : "per-model",
                        p.required() ? "(required)" : String.valueOf(p.defaultValue()),
                        p.description() + (p.choices().isEmpty() ? "" : " " + p.choices()));
            }
        }
        out.flush();
    }

    /** A data-free method given heads or data: say so rather than ignore them. */
    private void rejectDataInputs(MergeMethodInfo m, MergeConfig cfg) {
        List<String> given = new ArrayList<>();
        if (heads != null) {
            given.add("--heads");
        }
        if (data != null) {
            given.add("--data");
        }
        if (visionConfig != null) {
            given.add("--vision-config");
        }
        if (cfg != null && models == null) {
            cfg.modelsWithDataInputs().forEach(w -> given.add(w + ".head/data"));
        }
        if (cfg != null && cfg.visionConfig() != null) {
            given.add("vision_config");
        }
        if (!given.isEmpty()) {
            throw new MergeConfigException(m.name() + " is data-free and takes no heads or data, but got " + String.join(", ", given)
                    + "; the methods that use data: " + dataDrivenNames());
        }
    }

    private static String dataDrivenNames() {
        return String.join(", ", MergeMethods.discover().all().stream().filter(x -> x instanceof DataDrivenMethod)
                .map(MergeMethodInfo::name).toList());
    }

    /** The models of the merge and their per-model settings, from the flags or else the config. */
    private record ModelList(List<Path> paths, List<Map<String, Object>> perModel, List<Path> heads, List<Path> data) {
    }

    private ModelList modelList(MergeMethodInfo m, MergeConfig cfg, Path basePath) {
        List<Map<String, Object>> perModel = new ArrayList<>();
        List<Path> paths;
        List<Path> h = new ArrayList<>();
        List<Path> d = new ArrayList<>();
        if (models != null) {
            paths = models;
        } else if (cfg != null) {
            MergeConfig c = m.requiresBase() && basePath != null ? cfg.withBase(basePath).withoutBaseAmongModels() : cfg;
            paths = c.models();
            c.modelParameters().forEach(p -> perModel.add(new LinkedHashMap<>(p)));
            h.addAll(c.heads());
            d.addAll(c.data());
        } else {
            throw new MergeConfigException("give --models (or a merge config)");
        }
        while (perModel.size() < paths.size()) {
            perModel.add(new LinkedHashMap<>());
        }
        h = perModelPaths("--heads", heads, h, paths.size());
        d = perModelPaths("--data", data, d, paths.size());
        return new ModelList(paths, perModel, h, d);
    }

    /** The flag's list (one per model) when given, else the config's entries (null where none). */
    private static List<Path> perModelPaths(String flag, List<Path> fromFlag, List<Path> fromConfig, int modelCount) {
        if (fromFlag != null) {
            if (fromFlag.size() != modelCount) {
                throw new MergeConfigException(flag + ": " + fromFlag.size() + " paths for " + modelCount
                        + " models (give one per model, in model order)");
            }
            return new ArrayList<>(fromFlag);
        }
        List<Path> out = new ArrayList<>(fromConfig);
        while (out.size() < modelCount) {
            out.add(null);
        }
        return out;
    }

    /** Global parameter values: the config's, with the flags laid over (a per-model list goes to perModel). */
    private Map<String, Object> globalParameters(MergeMethodInfo m, MergeConfig cfg, List<Map<String, Object>> perModel) {
        Map<String, Object> global = new LinkedHashMap<>(cfg != null ? cfg.parameters() : Map.of());
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
        for (Map.Entry<String, String> e : flags.entrySet()) {
            applyFlag(m, e.getKey(), e.getValue(), global, perModel, perModel.size());
        }
        return global;
    }

    private static void announce(OutputTarget target, PrintWriter stdout) {
        if (target.replaces()) {
            stdout.println(target.replacementNote());
            stdout.flush();
        }
    }

    /** How the user named the output, for messages. */
    private String outputOption(MergeConfig cfg) {
        return out != null ? "--out" : positionalOut != null ? "OUTPUT" : cfg != null && cfg.output() != null ? "out (in " + config + ")" : "--out";
    }

    private Path output(MergeConfig cfg) {
        if (out != null && positionalOut != null) {
            throw new MergeConfigException("both OUTPUT (" + positionalOut + ") and --out (" + out + ") are given; give one");
        }
        Path output = out != null ? out : positionalOut != null ? positionalOut : cfg != null ? cfg.output() : null;
        if (output == null) {
            throw new MergeConfigException("give an output: --out PATH (NAME.safetensors or a directory)");
        }
        return output;
    }

    /** The config file (if any) with the flags laid over it, for a data-free method. */
    MergeJob job(MergeMethodInfo m, MergeConfig cfg) {
        Path basePath = base != null ? base : cfg != null ? cfg.base() : null;
        ModelList list = modelList(m, cfg, basePath);
        Map<String, Object> global = globalParameters(m, cfg, list.perModel());
        Path output = output(cfg);
        String dtypeName = dtype != null ? dtype : cfg != null ? cfg.dtype() : null;
        for (Path p : list.paths()) {
            requireExists(p);
        }
        if (basePath != null) {
            requireExists(basePath);
        }
        return new MergeJob(m.name(), basePath, list.paths(), global, list.perModel(), output, parseDType(dtypeName),
                parseSize(shardSize), allowNonFinite, chunkElements);
    }

    /** The config file (if any) with the flags laid over it, for a method that runs the models on data. */
    DataMergeJob dataJob(MergeMethodInfo m, MergeConfig cfg) {
        Path basePath = base != null ? base : cfg != null ? cfg.base() : null;
        ModelList list = modelList(m, cfg, basePath);
        Map<String, Object> global = globalParameters(m, cfg, list.perModel());
        Path output = output(cfg);
        String dtypeName = dtype != null ? dtype : cfg != null ? cfg.dtype() : null;
        if (dtypeName != null) {
            throw new MergeConfigException(m.name() + " writes the merged tower in its template's dtype (the base, or the "
                    + "first model): --dtype / dtype is not supported for it");
        }
        List<DataMergeJob.TaskModel> tasks = new ArrayList<>();
        for (int k = 0; k < list.paths().size(); k++) {
            tasks.add(new DataMergeJob.TaskModel(list.paths().get(k), list.heads().get(k), list.data().get(k)));
        }
        Path vision = visionConfig != null ? visionConfig : cfg != null ? cfg.visionConfig() : null;
        return new DataMergeJob(m.name(), basePath, tasks, global, list.perModel(), vision, output);
    }

    private static void putIfSet(Map<String, String> flags, String name, String value) {
        if (value != null) {
            flags.put(name, value);
        }
    }

    /** A comma list for a per-model parameter sets one value per model; anything else is one global value. */
    private static void applyFlag(MergeMethodInfo m, String name, String value, Map<String, Object> global,
                                  List<Map<String, Object>> perModel, int modelCount) {
        MergeParameter declared = m.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        if (declared != null && declared.scope() == ParameterScope.PER_MODEL && value.contains(",")) {
            String[] parts = value.split(",", -1);
            if (parts.length != modelCount) {
                throw new MergeConfigException("parameter '" + name + "': " + parts.length + " values for "
                        + modelCount + " models");
            }
            for (int k = 0; k < modelCount; k++) {
                perModel.get(k).put(name, parts[k].trim());
            }
            global.remove(name);
            return;
        }
        global.put(name, value);
        // a flag overrides the config's per-model values too
        perModel.forEach(p -> p.remove(name));
    }

    private static void requireExists(Path p) {
        if (!Files.exists(p)) {
            throw new MergeConfigException(p + ": no such file or directory");
        }
    }

    static DType parseDType(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "fp32" -> DType.F32;
            case "float16", "f16", "fp16", "half" -> DType.F16;
            case "bfloat16", "bf16" -> DType.BF16;
            default -> throw new MergeConfigException("dtype must be float32, float16 or bfloat16, got '" + name + "'");
        };
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
