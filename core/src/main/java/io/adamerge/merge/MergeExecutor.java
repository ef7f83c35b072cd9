package io.adamerge.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.CheckpointWriter;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.taskvector.ChunkReader;
import io.adamerge.taskvector.ModelSet;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs merges: resolves the method and its parameters, opens and validates the inputs, runs the method's
 * pre-passes, streams every floating tensor chunk by chunk through the method and writes the result
 * (integer/bool tensors copied from the base), atomically. Memory is a few chunks, independent of model size.
 */
public final class MergeExecutor {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    public MergeResult run(MergeJob job, MergeListener listener) {
        long started = System.nanoTime();
        MergeMethod method = methods.get(job.method());
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
             Extras extras = Extras.open(method, params, inputs)) {
            MergeRun run = method.prepare(new MergeSetup(params, inputs));
            List<TensorInfo> floats = inputs.floatTensors();
            int chunkSize = chunkSize(method, job, floats);
            ChunkReader reader = inputs.reader(chunkSize);
            float[] out = new float[chunkSize];
            Map<String, float[][]> extraArrays = extras.arrays(inputs.size(), chunkSize);

            int globalPasses = run.globalPasses();
            listener.begin((long) floats.size() * (globalPasses + 1) + inputs.carriedTensors().size());
            for (int p = 0; p < globalPasses; p++) {
                PrePass pass = new PrePass.Global(p);
                String phase = "pass " + (p + 1) + "/" + globalPasses;
                for (int i = 0; i < floats.size(); i++) {
                    TensorInfo t = floats.get(i);
                    streamTensor(t, i, reader, extras, extraArrays, chunk -> run.observe(pass, chunk));
                    listener.step(phase, t.name());
                }
                run.endPass(pass);
            }

            Checkpoint template = inputs.template();
            List<TensorSpec> specs = new ArrayList<>();
            for (TensorInfo t : inputs.tensors()) {
                DType dtype = t.dtype().isFloating() && job.outputDType() != null ? job.outputDType() : t.dtype();
                specs.add(new TensorSpec(t.name(), dtype, t.shape().clone()));
            }
            Map<String, String> metadata = outputMetadata(template, method, params, job);
            int tensorPasses = run.tensorPasses();
            try (CheckpointWriter writer = job.directoryOutput()
                    ? CheckpointWriter.directory(job.output(), specs, metadata, job.shardBytes())
                    : CheckpointWriter.singleFile(job.output(), specs, metadata)) {
                int floatIndex = 0;
                for (TensorInfo t : inputs.tensors()) {
                    if (!t.dtype().isFloating()) {
                        copyCarried(template, t, reader.scratch(), writer);
                        listener.step("copy", t.name());
                        continue;
                    }
                    int index = floatIndex++;
                    for (int p = 0; p < tensorPasses; p++) {
                        PrePass pass = new PrePass.OverTensor(p, t);
                        streamTensor(t, index, reader, extras, extraArrays, chunk -> run.observe(pass, chunk));
                        run.endPass(pass);
                    }
                    streamTensor(t, index, reader, extras, extraArrays, chunk -> {
                        run.merge(chunk, out);
                        writer.writeFloats(out, 0, chunk.count());
                    });
                    listener.step("merge", t.name());
                }
                if (job.directoryOutput()) {
                    template.configJson().ifPresent(writer::addFile);
                }
                writer.commit();
                listener.end();
                long floatBytes = 0;
                for (TensorInfo t : floats) {
                    floatBytes += t.byteLength() * (inputs.size() + (inputs.hasBase() ? 1 : 0));
                }
                int passes = globalPasses + tensorPasses + 1;
                long carriedBytes = inputs.carriedTensors().stream().mapToLong(TensorInfo::byteLength).sum();
                return new MergeResult(writer.outputFiles(), floats.size(), inputs.carriedTensors().size(),
                        inputs.floatElementCount(), inputs.inputBytes(), floatBytes * passes + carriedBytes, passes,
                        Duration.ofNanos(System.nanoTime() - started));
            }
        }
    }

    private static int chunkSize(MergeMethod method, MergeJob job, List<TensorInfo> floats) {
        long largest = floats.stream().mapToLong(TensorInfo::numel).max().orElse(1);
        if (method.elementwise()) {
            return (int) Math.max(1, Math.min(job.chunkElements(), largest));
        }
        if (largest > Integer.MAX_VALUE - 8) {
            throw new MergeConfigException(method.name() + " needs whole tensors in memory, and a tensor has "
                    + largest + " elements");
        }
        return (int) Math.max(1, largest);
    }

    private interface ChunkConsumer {
        void accept(TensorChunk chunk);
    }

    /** Reads tensor t chunk by chunk (the whole tensor at once when the chunk size allows) and hands each chunk on. */
    private static void streamTensor(TensorInfo t, int index, ChunkReader reader, Extras extras,
                                     Map<String, float[][]> extraArrays, ChunkConsumer consumer) {
        long n = t.numel();
        int size = reader.chunkElements();
        for (long start = 0; start < n; start += size) {
            int count = (int) Math.min(size, n - start);
            reader.read(t, start, count);
            Map<String, float[][]> present = extras.read(t, start, count, reader, extraArrays);
            consumer.accept(new TensorChunk(t, index, start, count, reader.base(), reader.models(), present));
        }
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
        Map<String, String> meta = new LinkedHashMap<>(template.metadata());
        meta.put("adamerge.method", method.name());
        meta.put("adamerge.parameters", params.toJson());
        if (job.base() != null) {
            meta.put("adamerge.base", String.valueOf(job.base().getFileName()));
        }
        meta.put("adamerge.models", JSON.valueToTree(job.models().stream().map(p -> String.valueOf(p.getFileName()))
                .toList()).toString());
        return meta;
    }

    /** The output must neither be an input nor contain one nor lie inside an input directory. */
    private static void checkOutputIsNotAnInput(MergeJob job) {
        Path out = job.output().toAbsolutePath().normalize();
        List<Path> ins = new ArrayList<>(job.models());
        if (job.base() != null) {
            ins.add(job.base());
        }
        for (Path in : ins) {
            Path p = in.toAbsolutePath().normalize();
            Path dir = Files.isDirectory(p) ? p : p.getParent();
            if (p.startsWith(out)) {
                throw new MergeConfigException("output " + job.output() + " would overwrite input " + in);
            }
            if (Files.isDirectory(p) && out.startsWith(dir)) {
                throw new MergeConfigException("output " + job.output() + " lies inside input directory " + in);
            }
        }
    }

    /** Auxiliary per-model checkpoints of {@link ParameterType#CHECKPOINT} parameters. */
    private static final class Extras implements AutoCloseable {
        private final Map<String, List<Checkpoint>> byParameter;

        private Extras(Map<String, List<Checkpoint>> byParameter) {
            this.byParameter = byParameter;
        }

        static Extras open(MergeMethod method, MergeParameters params, ModelSet inputs) {
            Map<String, List<Checkpoint>> opened = new LinkedHashMap<>();
            Extras extras = new Extras(opened);
            try {
                for (MergeParameter p : method.parameters()) {
                    if (p.type() != ParameterType.CHECKPOINT) {
                        continue;
                    }
                    List<Checkpoint> list = new ArrayList<>();
                    opened.put(p.name(), list);
                    for (int k = 0; k < inputs.size(); k++) {
                        Checkpoint c = Checkpoint.open(params.checkpoint(p.name(), k));
                        list.add(c);
                        for (TensorInfo t : inputs.floatTensors()) {
                            if (c.has(t.name()) && !Arrays.equals(c.info(t.name()).shape(), t.shape())) {
                                throw new CheckpointException(c.source() + ": tensor '" + t.name() + "' has shape "
                                        + c.info(t.name()).shapeString() + " but the models have " + t.shapeString());
                            }
                        }
                    }
                }
                return extras;
            } catch (RuntimeException e) {
                extras.close();
                throw e;
            }
        }

        Map<String, float[][]> arrays(int models, int chunkSize) {
            Map<String, float[][]> out = new LinkedHashMap<>();
            for (String name : byParameter.keySet()) {
                out.put(name, new float[models][chunkSize]);
            }
            return out;
        }

        /** Reads the chunk from every auxiliary checkpoint that has the tensor; others get a null entry. */
        Map<String, float[][]> read(TensorInfo t, long start, int count, ChunkReader reader, Map<String, float[][]> arrays) {
            if (byParameter.isEmpty()) {
                return Map.of();
            }
            Map<String, float[][]> present = new LinkedHashMap<>();
            for (Map.Entry<String, List<Checkpoint>> e : byParameter.entrySet()) {
                float[][] buffers = arrays.get(e.getKey());
                float[][] view = new float[buffers.length][];
                for (int k = 0; k < buffers.length; k++) {
                    Checkpoint c = e.getValue().get(k);
                    if (c.has(t.name())) {
                        reader.readOne(c, t, start, count, buffers[k]);
                        view[k] = buffers[k];
                    }
                }
                present.put(e.getKey(), view);
            }
            return present;
        }

        @Override
        public void close() {
            byParameter.values().forEach(list -> list.forEach(Checkpoint::close));
        }
    }
}
