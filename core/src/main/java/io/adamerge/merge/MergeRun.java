package io.adamerge.merge;

/**
 * One merge in progress. The executor first streams every floating tensor {@link #globalPasses()} times
 * through {@link #observe} (global statistics, e.g. the Ties threshold over the whole task vector), then
 * for each tensor streams it {@link #tensorPasses()} times through {@link #observe} (per-tensor statistics)
 * and finally through {@link #merge}, whose output is written. Calls come from one thread.
 */
public interface MergeRun {
    /** Passes over all floating tensors before the first output. */
    default int globalPasses() {
        return 0;
    }

    /** Passes over each tensor right before it is merged. */
    default int tensorPasses() {
        return 0;
    }

    /** One chunk of a pre-pass. */
    default void observe(PrePass pass, TensorChunk chunk) {
    }

    /** A pre-pass has seen all its chunks (a global pass: all tensors; a tensor pass: that tensor). */
    default void endPass(PrePass pass) {
    }

    /** Writes the merged values of the chunk's elements to {@code out[0, chunk.count())}, in F32. */
    void merge(TensorChunk chunk, float[] out);
}
