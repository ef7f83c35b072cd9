package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeParameters;
import java.util.Map;

/**
 * A merge of fine-tuned CLIP vision towers that looks at unlabelled data of each task (Fisher merging, RegMean): one
 * class per method is both its entry in the one merge registry (core's {@link DataDrivenMethod}: name, parameters,
 * needs; found through {@code META-INF/services/io.adamerge.merge.DataDrivenMethod}, which instantiates it with its
 * default settings) and its computation. {@link #configure} gives the instance for other parameter values. A method
 * gets the towers, heads and images and returns the merged parameter tensors in the towers' layout;
 * {@link DataMergeExecutor} does the reading and writing.
 */
public interface DataMergeMethod extends DataDrivenMethod {
    /** This method with these (resolved, range-checked) parameter values. */
    DataMergeMethod configure(MergeParameters parameters);

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
        return input.tasks().stream().mapToLong(t -> Math.min(samplesPerTask, t.examples().count())).sum();
    }
}
