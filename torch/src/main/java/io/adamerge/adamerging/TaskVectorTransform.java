package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * What a {@link CoefficientMerge} does to the task vectors before merging them: nothing ({@link #NONE}, AdaMerging), or
 * Ties' trim and sign election ({@link TiesTrim}, AdaMerging++).
 */
@FunctionalInterface
public interface TaskVectorTransform {
    /** The raw task vectors T_k = θ_k − θ_pre. */
    TaskVectorTransform NONE = (keys, stacked, owner) -> stacked;

    /**
     * The transformed task vectors.
     *
     * @param keys    the parameter tensors, in the order of {@code stacked}
     * @param stacked per tensor, the task vectors stacked and flattened, [tasks, numel]; not modified
     * @param owner   where new arrays go
     * @return per tensor, [tasks, numel]: {@code stacked}'s own arrays where unchanged, else new arrays on {@code owner}
     */
    List<NDArray> apply(List<String> keys, List<NDArray> stacked, NDManager owner);
}
