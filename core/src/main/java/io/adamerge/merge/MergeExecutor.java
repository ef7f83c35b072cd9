package io.adamerge.merge;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointWriter;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.io.Finite;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.taskvector.ModelSet;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs merges: resolves the method and its parameters, opens and validates the inputs, runs the method's
 * pre-passes, streams every floating tensor chunk by chunk through the method and writes the result
 * (integer/bool tensors copied from the base), atomically. Memory is a few chunks, independent of model size.
 */
public final class MergeExecutor {
    /** Buffer sets in flight beyond one per thread, for element-wise methods: read-ahead while the output is written. */
    private static final int READ_AHEAD = 1;

    private final MergeMethods methods;

    public MergeExecutor(MergeMethods methods) {
        this.methods = methods;
    }

    /** An executor over every method on the class path. */
    public static MergeExecutor withDiscoveredMethods() {
        return new MergeExecutor(MergeMethods.discover());
    }

    public MergeMethods methods() {
        return methods;
    }

    public MergeResult run(MergeJob job) {
        return run(job, MergeListener.NONE);
    }

    /**
     * Runs a merge onto {@code job.output()}, replacing what is there (a library caller owns its paths); an output
     * that is an input, holds one or lies inside one is still refused. Commands check the output under the user's
     * {@code --force} with {@link OutputTarget#model} and call {@link #run(MergeJob, OutputTarget, MergeListener)}.
     */
    public MergeResult run(MergeJob job, MergeListener listener) {
        checkOutputIsNotAnInput(job);
        return run(job, OutputTarget.model("output", job.output(), true, inputsOf(job)), listener);
    }

    /** The paths a job reads, named as the command line names them. */
    public static Inputs inputsOf(MergeJob job) {
        return Inputs.of().add("--base", job.base()).addAll("--models", job.models());
    }

    /** Runs a merge onto a checked output: an existing one is replaced only if the check allowed it. */
    public MergeResult run(MergeJob job, OutputTarget target, MergeListener listener) {
        long started = System.nanoTime();
        MergeMethod method = methods.dataFree(job.method());
        if (job.models().isEmpty()) {
            throw new MergeConfigException(method.name() + ": no models given");
        }
        if (method.requiresBase() && job.base() == null) {
            throw new MergeConfigException(method.name() + " needs a base (pretrained) model");
        }
        if (job.outputDType() != null && !job.outputDType().isFloating()) {
            throw new MergeConfigException("output dtype must be floating, got " + job.outputDType());
        }
        if (job.chunkElements() <= 0) {
            throw new MergeConfigException("chunk size must be positive, got " + job.chunkElements());
        }
        if (job.shardBytes() <= 0) {
            throw new MergeConfigException("shard size must be positive, got " + job.shardBytes());
        }
        checkOutputIsNotAnInput(job);
        MergeParameters params = MergeParameters.resolve(method, job.parameters(), job.modelParameters(),
                job.models().size());

        try (ModelSet inputs = ModelSet.open(job.base(), job.models(), job.allowNonFinite());
             AuxiliaryInputs aux = AuxiliaryInputs.open(method, params, inputs);
             MergeRun run = method.prepare(new MergeSetup(params, inputs.floatTensors(), inputs.size()))) {
            List<TensorInfo> floats = inputs.floatTensors();
            int chunkSize = chunkSize(method, job, floats);
            int threads = run.concurrent() ? job.effectiveThreads() : 1;
            // whole-tensor methods hold a tensor per buffer set: one per thread, no read-ahead for them
            int slots = method.elementwise() ? Math.max(3, threads + READ_AHEAD) : threads;
            try (ChunkPipeline pipeline = new ChunkPipeline(inputs, aux, chunkSize, slots)) {
                listener.begin((long) floats.size() * (run.globalPasses() + 1) + inputs.carriedTensors().size());
                MergePasses.PrePassStats pre = MergePasses.globalPasses(run, floats, pipeline, threads,
                        (phase, tensor) -> listener.step(phase, tensor.name()));
                boolean checked = pre.checked();
                int globalPasses = pre.passes();
                double readPasses = pre.readPasses();

                Checkpoint template = inputs.template();
                List<TensorSpec> specs = new ArrayList<>();
                for (TensorInfo t : inputs.tensors()) {
                    DType dtype = t.dtype().isFloating() && job.outputDType() != null ? job.outputDType() : t.dtype();
                    specs.add(new TensorSpec(t.name(), dtype, t.shape().clone()));
                }
                Map<String, String> metadata = outputMetadata(template, method, params, job);
                ByteBuffer copyBuffer = ByteBuffer.allocateDirect(1 << 20);
                try (CheckpointWriter writer = CheckpointWriter.create(target, specs, metadata, job.shardBytes())) {
                    // the output follows the template's order: carried tensors are copied where they come
                    List<TensorInfo> order = inputs.tensors();
                    int[] nextInOrder = {0};
                    // writes carried tensors (and skips empty floating ones) up to floating tensor `upTo`, or to the end
                    Consumer<TensorInfo> advanceTo = upTo -> {
                        while (nextInOrder[0] < order.size()) {
                            TensorInfo t = order.get(nextInOrder[0]++);
                            if (upTo != null && t.name().equals(upTo.name())) {
                                return;
                            }
                            if (!t.dtype().isFloating()) {
                                copyCarried(template, t, copyBuffer, writer);
                                listener.step("copy", t.name());
                            }
                        }
                    };
                    // a run whose results are non-finite wherever an input is: its inputs are scanned only behind a
                    // non-finite result, with the error the scan on reading gives
                    boolean traceBack = !job.allowNonFinite() && !checked && run.tensorPasses() == 0
                            && run.nonFiniteInputsPropagate();
                    // a one-file output: each worker writes its merged chunk at its place (the copies into the page
                    // cache then run on every worker instead of the one thread that keeps the order), and the
                    // ordered stream only passes over it
                    boolean inPlace = writer.oneFile();
                    int bytesPerElement = specs.stream().filter(t -> t.dtype().isFloating())
                            .mapToInt(t -> t.dtype().byteSize()).max().orElse(4);
                    java.util.concurrent.ConcurrentLinkedDeque<ByteBuffer> encoded =
                            new java.util.concurrent.ConcurrentLinkedDeque<>();
                    MergePasses.ChunkWork merge = (chunk, out) -> {
                        run.merge(chunk, out);
                        if (!job.allowNonFinite()) {
                            requireFiniteResult(method, chunk, out, traceBack ? inputs : null);
                        }
                        if (inPlace) {
                            ByteBuffer b = encoded.poll();
                            if (b == null) {
                                // a chunk of an element-wise method, at most 1 MB (a whole tensor goes in pieces)
                                b = ByteBuffer.allocateDirect((int) Math.min(1 << 20, (long) chunkSize * bytesPerElement));
                            }
                            try {
                                int piece = b.capacity() / bytesPerElement;
                                for (int from = 0; from < chunk.count(); from += piece) {
                                    writer.writeFloatsAt(chunk.tensor().name(), chunk.start() + from, out, from,
                                            Math.min(piece, chunk.count() - from), b);
                                }
                            } finally {
                                encoded.push(b);
                            }
                        }
                    };
                    MergePasses.ChunkWork write = (chunk, out) -> {
                        if (chunk.start() == 0) {
                            advanceTo.accept(chunk.tensor());
                        }
                        if (inPlace) {
                            writer.skipFloats(chunk.count());
                        } else {
                            writer.writeFloats(out, 0, chunk.count());
                        }
                        if (chunk.start() + chunk.count() == chunk.tensor().numel()) {
                            listener.step("merge", chunk.tensor().name());
                        }
                    };
                    MergePasses.TensorPassStats tensorPasses = MergePasses.mergeTensors(run, floats, pipeline,
                            checked || traceBack, threads, merge, write);
                    advanceTo.accept(null);
                    run.finish((tensor, element, value) -> writer.patchFloat(tensor.name(), element, value));
                    if (job.directoryOutput()) {
                        template.configJson().ifPresent(writer::addFile);
                    }
                    writer.commit();
                    listener.end();
                    long floatBytes = 0;
                    for (TensorInfo t : floats) {
                        floatBytes += t.byteLength() * (inputs.size() + (inputs.hasBase() ? 1 : 0));
                    }
                    int passes = globalPasses + tensorPasses.passes() + 1;
                    long carriedBytes = inputs.carriedTensors().stream().mapToLong(TensorInfo::byteLength).sum();
                    long bytesRead = (long) (floatBytes * (readPasses + tensorPasses.readPasses() + 1)) + carriedBytes;
                    return new MergeResult(writer.outputFiles(), floats.size(), inputs.carriedTensors().size(),
                            inputs.floatElementCount(), inputs.inputBytes(), bytesRead, passes,
                            Duration.ofNanos(System.nanoTime() - started));
                }
            }
        }
    }

    /**
     * Finite inputs can still merge to infinity (a huge λ): refuse such a result before a byte of it is kept.
     * {@code unscanned}: the inputs, when the chunk was read without scanning them; a non-finite input is then
     * reported as the scan reports it.
     */
    private static void requireFiniteResult(MergeMethod method, TensorChunk chunk, float[] out, ModelSet unscanned) {
        int i = Finite.firstNonFinite(out, 0, chunk.count());
        if (i >= 0) {
            if (unscanned != null) {
                unscanned.requireFinite(chunk.tensor(), chunk.start(), chunk.count(), chunk.base(), chunk.models());
            }
            throw new MergeConfigException(method.name() + ": the merged tensor '" + chunk.tensor().name() + "' is "
                    + out[i] + " at element " + (chunk.start() + i) + " although every input is finite (a parameter too "
                    + "large?); nothing written (--allow-nonfinite writes it anyway)");
        }
    }

    private static int chunkSize(MergeMethod method, MergeJob job, List<TensorInfo> floats) {
        return chunkSize(method, job.chunkElements(), floats);
    }

    /** Elements per chunk: up to {@code chunkElements} for element-wise methods, else the largest tensor. */
    static int chunkSize(MergeMethod method, int chunkElements, List<TensorInfo> floats) {
        long largest = floats.stream().mapToLong(TensorInfo::numel).max().orElse(1);
        if (method.elementwise()) {
            return (int) Math.max(1, Math.min(chunkElements, largest));
        }
        if (largest > Integer.MAX_VALUE - 8) {
            throw new MergeConfigException(method.name() + " needs whole tensors in memory, and a tensor has "
                    + largest + " elements");
        }
        return (int) Math.max(1, largest);
    }

    private static void copyCarried(Checkpoint template, TensorInfo t, ByteBuffer scratch, CheckpointWriter writer) {
        long length = t.byteLength();
        for (long from = 0; from < length; from += scratch.capacity()) {
            int n = (int) Math.min(scratch.capacity(), length - from);
            scratch.clear().limit(n);
            template.file(t.name()).readBytes(t.name(), from, scratch);
            scratch.flip();
            writer.writeBytes(scratch);
        }
    }

    /** The base's metadata plus what was merged and how. */
    static Map<String, String> outputMetadata(Checkpoint template, MergeMethod method, MergeParameters params, MergeJob job) {
        return MergeOutput.metadata(template.metadata(), method, params, job.base(), job.models());
    }

    private static void checkOutputIsNotAnInput(MergeJob job) {
        MergeOutput.checkNotAnInput(job.output(), job.base(), job.models());
    }
}
