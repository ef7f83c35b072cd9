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
 * @param chunkElements   elements per streamed chunk (memory is about (models + 3) × 4 × this many bytes)
 */
public record MergeJob(String method, Path base, List<Path> models, Map<String, ?> parameters,
                       List<? extends Map<String, ?>> modelParameters, Path output, DType outputDType, long shardBytes,
                       boolean allowNonFinite, int chunkElements) {

    /** Hugging Face's default shard size. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;
    public static final int DEFAULT_CHUNK_ELEMENTS = 1 << 18;

    public MergeJob {
        models = List.copyOf(models);
        parameters = Map.copyOf(parameters);
        modelParameters = List.copyOf(modelParameters);
    }

    public static MergeJob of(String method, Path base, List<Path> models, Path output) {
        return new MergeJob(method, base, models, Map.of(), List.of(), output, null, DEFAULT_SHARD_BYTES, false,
                DEFAULT_CHUNK_ELEMENTS);
    }

    public MergeJob withParameters(Map<String, ?> global) {
        return new MergeJob(method, base, models, global, modelParameters, output, outputDType, shardBytes,
                allowNonFinite, chunkElements);
    }

    public MergeJob withModelParameters(List<? extends Map<String, ?>> perModel) {
        return new MergeJob(method, base, models, parameters, perModel, output, outputDType, shardBytes,
                allowNonFinite, chunkElements);
    }

    public MergeJob withOutputDType(DType dtype) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, dtype, shardBytes,
                allowNonFinite, chunkElements);
    }

    public MergeJob withShardBytes(long bytes) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, bytes,
                allowNonFinite, chunkElements);
    }

    public MergeJob withAllowNonFinite(boolean allow) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, shardBytes,
                allow, chunkElements);
    }

    public MergeJob withChunkElements(int elements) {
        return new MergeJob(method, base, models, parameters, modelParameters, output, outputDType, shardBytes,
                allowNonFinite, elements);
    }

    public MergeJob withOutput(Path out) {
        return new MergeJob(method, base, models, parameters, modelParameters, out, outputDType, shardBytes,
                allowNonFinite, chunkElements);
    }

    /** A {@code .safetensors} output is one file; anything else is a model directory. */
    public boolean directoryOutput() {
        return !output.getFileName().toString().endsWith(".safetensors");
    }
}
