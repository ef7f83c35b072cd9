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
 * @param finiteInputs NaN and ±Inf inputs are refused (the merge fails before its result is kept), so a kernel may
 *                     use arithmetic that is exact only for finite inputs; false with {@code --allow-nonfinite}
 */
public record MergeSetup(MergeParameters parameters, List<TensorInfo> floatTensors, int modelCount,
                         boolean finiteInputs) {
    public MergeSetup {
        floatTensors = List.copyOf(floatTensors);
    }

    /** Inputs that may hold NaN or ±Inf. */
    public MergeSetup(MergeParameters parameters, List<TensorInfo> floatTensors, int modelCount) {
        this(parameters, floatTensors, modelCount, false);
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
