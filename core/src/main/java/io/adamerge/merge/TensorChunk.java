package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import java.util.Map;

/**
 * Elements {@code [start, start + count)} of one floating tensor, as F32, from every input. Arrays may be
 * longer than {@code count}; only {@code [0, count)} is valid. They are reused for the next chunk: copy what
 * must outlive the call.
 *
 * @param tensor      the tensor (name, shape, stored dtype)
 * @param tensorIndex position of the tensor among the floating tensors (stable across passes)
 * @param start       index of the first element within the flattened tensor
 * @param count       number of elements
 * @param base        the base model's values, or null when the merge has no base
 * @param models      each model's values
 * @param extras      per-model auxiliary inputs ({@link ParameterType#CHECKPOINT} parameters): name to one
 *                    array per model, an entry null when that checkpoint lacks this tensor
 */
public record TensorChunk(TensorInfo tensor, int tensorIndex, long start, int count, float[] base, float[][] models,
                          Map<String, float[][]> extras) {

    public int modelCount() {
        return models.length;
    }

    /** Whether this chunk is the whole tensor. */
    public boolean wholeTensor() {
        return start == 0 && count == tensor.numel();
    }
}
