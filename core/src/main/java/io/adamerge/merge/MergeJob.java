package io.adamerge.merge;

import io.adamerge.checkpoint.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one merge needs.
 *
 * @param method          registry name of the method
 * @param base            the pretrained model, or null for methods that need none
 * @param models          the fine-tuned models (file, sharded index or Hugging Face directory each)
 * @param parameters      top-level parameter values (raw: String, Number or Boolean)
 * @param modelParameters per-model parameter values, in the order of {@code models} (may be empty)
 * @param output          a {@code .safetensors} file, or a directory (sharded Hugging Face layout)
 * @param outputDType     dtype of the merged floating tensors, or null to keep each input tensor's
 * @param shardBytes      largest shard of a directory output, in bytes
 * @param allowNonFinite  merge even if an input holds NaN or infinity
 * @param chunkElements   elements per streamed chunk (memory is about (models + 3) × 4 × this many bytes per chunk
 *                        in flight: threads + 1 chunks for element-wise methods, one whole tensor per thread otherwise)
 * @param threads         threads that read and merge chunks at once (0: one per core); the output is the same
 *                        byte for byte whatever the number
 */
public record MergeJob(String method, Path base, List<Path> models, Map<String, ?> parameters,
                       List<? extends Map<String, ?>> modelParameters, Path output, DType outputDType, long shardBytes,
                       boolean allowNonFinite, int chunkElements, int threads) {

    /** Hugging Face's default shard size. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;
    /**
     * Elements per streamed chunk of an element-wise merge: 256 KB per input (F32), so that a chunk of 9 inputs read
     * from the page cache is still in the core's caches when the merge reads it (1 << 18 took longer and more memory
     * in {@code bench merge}); results do not depend on it.
     */
    public static final int DEFAULT_CHUNK_ELEMENTS = 1 << 16;

    public MergeJob {
        if (threads < 0) {
            throw new MergeConfigException("threads must be 0 (one per core) or more, got " + threads);
        }
        models = List.copyOf(models);
        parameters = Map.copyOf(parameters);
        modelParameters = List.copyOf(modelParameters);
    }

    /** A job on one thread per core. */
    public MergeJob(String method, Path base, List<Path> models, Map<String, ?> parameters,
                    List<? extends Map<String, ?>> modelParameters, Path output, DType outputDType, long shardBytes,
                    boolean allowNonFinite, int chunkElements) {
        this(method, base, models, parameters, modelParameters, output, outputDType, shardBytes, allowNonFinite,
                chunkElements, 0);
    }

    public static MergeJob of(String method, Path base, List<Path> models, Path output) {
        return new MergeJob(method, base, models, Map.of(), List.of(), output, null, DEFAULT_SHARD_BYTES, false,
                DEFAULT_CHUNK_ELEMENTS);
    }

    public MergeJob withParameters(Map<String, ?> global) {
        return new MergeJob(method, base, models, global, modelParameters, output, outputDType, shardBytes,
                allowNonFinite, chunkElements, threads);
    }

    public MergeJob withModelParameters(List<? extends Map<String, ?>> perModel) {
        return new MergeJob(method, base, models, parameters, perModel, output, outputDType, shardBytes,
                allowNonFinite, chunkElements, threads);
    }

    public MergeJob withOutputDType(DType dtype) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, dtype, shardBytes,
                allowNonFinite, chunkElements, threads);
    }

    public MergeJob withShardBytes(long bytes) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, bytes,
                allowNonFinite, chunkElements, threads);
    }

    public MergeJob withAllowNonFinite(boolean allow) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, shardBytes,
                allow, chunkElements, threads);
    }

    public MergeJob withChunkElements(int elements) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, shardBytes,
                allowNonFinite, elements, threads);
    }

    public MergeJob withThreads(int n) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, shardBytes,
                allowNonFinite, chunkElements, n);
    }

    /** The threads to use: {@link #threads()}, or one per core when it is 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public MergeJob withOutput(Path out) {
        return new MergeJob(method, base, models, parameters, modelParameters, out, outputDType, shardBytes,
                allowNonFinite, chunkElements, threads);
    }

    /** A {@code .safetensors} output is one file; anything else is a model directory. */
    public boolean directoryOutput() {
        return !output.getFileName().toString().endsWith(".safetensors");
    }
}
