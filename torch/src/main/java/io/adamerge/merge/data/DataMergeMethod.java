package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * A merge of fine-tuned CLIP vision towers that looks at unlabelled data of each task (Fisher merging, RegMean).
 * Small on purpose, so it can be bound to the core merge registry: a method gets the towers, heads and images,
 * and returns the merged parameter tensors in the towers' layout.
 */
public interface DataMergeMethod {
    /** The method's name in registries, tables and metadata ({@code fisher}, {@code regmean}). */
    String name();

    /** What the method records in a merged checkpoint's metadata besides its name (settings). */
    Map<String, String> describe();

    /**
     * Merges {@code input.tasks()}' towers. Returned arrays are new, float32, attached to {@code into}, named and
     * shaped as {@link io.adamerge.model.ClipVisionModel#parameterShapes()} of {@code input.model()}.
     */
    default Map<String, NDArray> merge(DataMergeInput input, NDManager into) {
        return merge(input, into, DataMergeListener.NONE);
    }

    /**
     * As {@link #merge(DataMergeInput, NDManager)}, telling {@code listener} (null: no one) how many of the tasks' sampled
     * images are processed; it does not change the result.
     */
    Map<String, NDArray> merge(DataMergeInput input, NDManager into, DataMergeListener listener);

    /** The images a merge of {@code input} processes: per task, its sample size, or all its images when it has fewer. */
    static long imagesProcessed(DataMergeInput input, int samplesPerTask) {
        return input.tasks().stream().mapToLong(t -> Math.min(samplesPerTask, t.images().count())).sum();
    }
}
