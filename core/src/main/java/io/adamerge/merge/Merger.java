package io.adamerge.merge;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.merge.config.MergeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The one entry point for a merge described by a {@link MergeConfig} (read from mergekit-style YAML or made in code):
 * checks the output under the output policy before any work, then runs the config on the engine made for its
 * method: a {@link MergeEngine} on the class path that claims it (data-driven methods in the torch module, an in-memory
 * executor), else core's streaming {@link MergeExecutor} for a data-free method.
 * <pre>
 * Merger.Result r = Merger.discover().merge(MergeConfig.read(Path.of("ties.yml")), Merger.Options.defaults());
 * </pre>
 */
public final class Merger {
    private final MergeMethods methods;
    private final List<MergeEngine> engines;

    public Merger(MergeMethods methods, List<MergeEngine> engines) {
        this.methods = methods;
        this.engines = List.copyOf(engines);
    }

    /** Every method and every engine on the class path. */
    public static Merger discover() {
        List<MergeEngine> engines = new ArrayList<>();
        ServiceLoader.load(MergeEngine.class).forEach(engines::add);
        return new Merger(MergeMethods.discover(), engines);
    }

    public MergeMethods methods() {
        return methods;
    }

    /**
     * How a merge runs, beside what the config says.
     *
     * @param force          replace an existing output (never an input)
     * @param shardBytes     largest shard of a directory output
     * @param allowNonFinite merge even if an input or the result holds NaN or infinity
     * @param chunkElements  elements per streamed chunk
     * @param threads        threads of a streaming merge (0: one per core); the output does not depend on it
     */
    public record Options(boolean force, long shardBytes, boolean allowNonFinite, int chunkElements, int threads) {
        /** Options on one thread per core. */
        public Options(boolean force, long shardBytes, boolean allowNonFinite, int chunkElements) {
            this(force, shardBytes, allowNonFinite, chunkElements, 0);
        }

        public static Options defaults() {
            return new Options(false, MergeJob.DEFAULT_SHARD_BYTES, false, MergeJob.DEFAULT_CHUNK_ELEMENTS);
        }

        public Options withForce(boolean f) {
            return new Options(f, shardBytes, allowNonFinite, chunkElements, threads);
        }

        public Options withThreads(int n) {
            return new Options(force, shardBytes, allowNonFinite, chunkElements, n);
        }
    }

    /**
     * What a merge did, whichever engine ran it.
     *
     * @param passes     full reads of the inputs (0 where the engine does not count them)
     * @param bytesRead  bytes read from the inputs (0 where not counted)
     * @param inputBytes bytes of the inputs' floating tensors (0 where not counted)
     */
    public record Result(String method, List<Path> outputFiles, int mergedTensors, int carriedTensors, long parameters,
                         Duration elapsed, int passes, long bytesRead, long inputBytes) {
        public Result {
            outputFiles = List.copyOf(outputFiles);
        }

        static Result of(String method, MergeResult r) {
            return new Result(method, r.outputFiles(), r.mergedTensors(), r.carriedTensors(), r.parameters(), r.elapsed(),
                    r.passes(), r.bytesRead(), r.inputBytes());
        }
    }

    /** Every path a config reads, named as a config or the command line names it. */
    public static Inputs inputsOf(MergeConfig config) {
        return Inputs.of().add("base_model", config.base()).addAll("models", config.models())
                .addAll("head", config.heads().stream().filter(Objects::nonNull).toList())
                .addAll("data", config.data().stream().filter(Objects::nonNull).toList())
                .add("vision_config", config.visionConfig());
    }

    /**
     * The config's output checked under the output policy (before any work): call it first to fail fast, or let
     * {@link #merge(MergeConfig, Options, MergeListener)} do it.
     *
     * @param option how the user named the output, for messages
     * @param inputs every path the merge reads ({@link #inputsOf} plus, say, the config file)
     */
    public OutputTarget checkOutput(MergeConfig config, Options options, String option, Inputs inputs) {
        if (config.output() == null) {
            throw new MergeConfigException("give an output: --out PATH (NAME.safetensors or a directory)");
        }
        return OutputTarget.model(option, config.output(), options.force(), inputs);
    }

    public Result merge(MergeConfig config, Options options) {
        return merge(config, options, MergeListener.NONE);
    }

    public Result merge(MergeConfig config, Options options, MergeListener listener) {
        return merge(config, checkOutput(config, options, "out", inputsOf(config)), options, listener);
    }

    /** Runs {@code config} onto an output already checked with {@link #checkOutput}. */
    public Result merge(MergeConfig config, OutputTarget target, Options options, MergeListener listener) {
        MergeMethodInfo method = methods.get(config.method());
        for (MergeEngine engine : engines) {
            if (engine.runs(method, config, options)) {
                return engine.run(method, config, target, options, listener);
            }
        }
        if (method instanceof TestTimeMethod) {
            throw new MergeConfigException(method.name() + " is a test-time method: it learns its coefficients on unlabelled "
                    + "inputs of every task with their heads; run it with 'adamerge demo --methods " + method.name()
                    + "' or 'adamerge adamerging'");
        }
        if (!(method instanceof MergeMethod)) {
            throw new MergeConfigException(method.name() + " runs the models on data: it needs the torch module "
                    + "(adamerge-torch) on the class path");
        }
        if (config.hasDataInputs()) {
            throw new MergeConfigException(method.name() + " is data-free and takes no heads, data or vision_config");
        }
        for (Path p : config.models()) {
            requireExists(p);
        }
        if (config.base() != null) {
            requireExists(config.base());
        }
        MergeJob job = new MergeJob(method.name(), config.base(), config.models(), config.parameters(),
                config.modelParameters(), target.path(), DTypes.parse(config.dtype()), options.shardBytes(),
                options.allowNonFinite(), options.chunkElements(), options.threads());
        return Result.of(method.name(), new MergeExecutor(methods).run(job, target, listener));
    }

    private static void requireExists(Path p) {
        if (!Files.exists(p)) {
            throw new MergeConfigException(p + ": no such file or directory");
        }
    }
}
