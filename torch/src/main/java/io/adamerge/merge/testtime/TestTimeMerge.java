package io.adamerge.merge.testtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.Examples;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.eval.ModelPool;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.TestTimeMethod;
import io.adamerge.merge.data.TaskImages;
import java.util.List;
import java.util.Map;

/**
 * A test-time method this module computes: it learns merging coefficients of a {@link ModelPool}'s tasks from their
 * unlabelled inputs and heads, and returns the merged weights. Registered through
 * {@code META-INF/services/io.adamerge.merge.TestTimeMethod} (core's declaration), so that merge, demo, studies and
 * {@code --list-methods} find it by name.
 */
public interface TestTimeMerge extends TestTimeMethod {
    /** The learnt coefficients and the weights merged with them (on the caller's manager). */
    record Outcome(Map<String, NDArray> merged, Coefficients coefficients) {
    }

    /** Told the starting coefficients, then after every optimiser step. */
    @FunctionalInterface
    interface Listener {
        Listener NONE = (step, loss, updated) -> {
        };

        /** Before the first step: the coefficients the run starts from. */
        default void started(Coefficients initial) {
        }

        void afterStep(int step, float loss, Coefficients updated);
    }

    /** Optimiser steps a run with these parameters does (for progress bars). */
    int steps(MergeParameters parameters);

    /**
     * Learns coefficients for {@code tasks} of the pool from {@code unlabelled} (one set per task, in order) and merges.
     *
     * @param into manager of the merged weights
     */
    Outcome run(ModelPool pool, List<String> tasks, List<? extends Examples> unlabelled, MergeParameters parameters, Listener listener,
                NDManager into);
}
