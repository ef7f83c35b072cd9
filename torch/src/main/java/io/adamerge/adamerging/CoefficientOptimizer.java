package io.adamerge.adamerging;

/** An optimiser run over the coefficients: updates them in place step by step, and says its state for resuming. */
public interface CoefficientOptimizer {
    /** Applies one update to {@code params} in place. */
    void update(float[] params, float[] grad);

    /** Updates done, resumed ones included. */
    int step();

    /** The state a resumed run needs, saved with the coefficients. */
    Coefficients.AdamState state();
}
