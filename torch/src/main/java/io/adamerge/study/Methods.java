package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.ImageDataset;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The four merge methods the paper's studies compare, as rows of their tables. */
public enum Methods {
    TASK_ARITHMETIC, TIES, ADAMERGING, ADAMERGING_PLUS;

    /** The row label: "Task Arithmetic (λ 0.3)", "Ties-Merging (λ 0.3)", "AdaMerging (layer-wise)", "AdaMerging++ (layer-wise)". */
    public String label(double lambda) {
        return switch (this) {
            case TASK_ARITHMETIC -> String.format(Locale.ROOT, "Task Arithmetic (λ %.1f)", lambda);
            case TIES -> String.format(Locale.ROOT, "Ties-Merging (λ %.1f)", lambda);
            case ADAMERGING -> "AdaMerging (layer-wise)";
            case ADAMERGING_PLUS -> "AdaMerging++ (layer-wise)";
        };
    }

    public boolean learnt() {
        return this == ADAMERGING || this == ADAMERGING_PLUS;
    }

    /**
     * The merged weights of {@code tasks} by this method: data-free merges on {@code into}; AdaMerging learns its
     * coefficients on {@code unlabelled} and returns the run's merged weights, cached in the context under
     * {@code runKey} (long-lived: only read them).
     */
    Map<String, NDArray> merge(StudyContext ctx, String runKey, List<String> tasks, List<ImageDataset> unlabelled, NDManager into) {
        double lambda = ctx.settings().lambda();
        return switch (this) {
            case TASK_ARITHMETIC -> ctx.taskArithmetic(tasks, lambda, into);
            case TIES -> ctx.ties(tasks, lambda, into);
            case ADAMERGING, ADAMERGING_PLUS -> {
                boolean plus = this == ADAMERGING_PLUS;
                yield ctx.adaMerging(runKey, tasks, plus, unlabelled).merged();
            }
        };
    }
}
