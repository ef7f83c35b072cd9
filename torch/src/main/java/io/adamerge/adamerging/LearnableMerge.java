package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * A merge that is differentiable in a [rows, tasks] array of learnt values, what a {@link CoefficientTrainer} optimises:
 * AdaMerging's coefficients ({@link CoefficientMerge}) or AdaRank's coefficients and rank masks ({@link RankMaskMerge}).
 * The learnt values travel as {@link Coefficients}, whose row keys name what each row is.
 */
public interface LearnableMerge extends AutoCloseable {
    /** The tasks, one column each. */
    int numTasks();

    /** What each row of the learnt values refers to, in row order. */
    List<String> layerKeys();

    /** Fails unless {@code c} fits this merge and is finite. */
    void check(Coefficients c);

    /** Learnt values of this merge with these values and optimiser state. */
    Coefficients coefficients(float[] values, int step, Coefficients.AdamState state);

    /** A sub-manager for one step's arrays: close it after the step. */
    NDManager newScope();

    /** The merged weights, differentiable in {@code raw} [rows, tasks]; arrays live on {@code scope}. */
    Map<String, NDArray> weights(NDArray raw, NDManager scope);

    /** The merged weights at {@code values}, in the encoder's layout, as new arrays on {@code into}. */
    Map<String, NDArray> merge(Coefficients values, NDManager into);

    @Override
    void close();
}
