package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import java.util.List;

/**
 * What a method learns before merging: resolved parameters and the inputs' layout, the same whether the inputs are
 * streamed from files ({@link MergeExecutor}) or held in memory ({@link InMemoryMerge}).
 *
 * @param parameters   the resolved parameter values
 * @param floatTensors the tensors merges compute on, in the template's order
 * @param modelCount   the number of models merged
 */
public record MergeSetup(MergeParameters parameters, List<TensorInfo> floatTensors, int modelCount) {
    public MergeSetup {
        floatTensors = List.copyOf(floatTensors);
    }

    /** Length of one model's flattened task vector (all floating tensors). */
    public long floatElementCount() {
        long n = 0;
        for (TensorInfo t : floatTensors) {
            n += t.numel();
        }
        return n;
    }
}
