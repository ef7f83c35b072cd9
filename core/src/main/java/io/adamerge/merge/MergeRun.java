package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;

/**
 * One merge in progress. The executor first streams every floating tensor {@link #globalPasses()} times
 * through {@link #observe} (global statistics, e.g. the Ties threshold over the whole task vector), then
 * for each tensor streams it {@link #tensorPasses(TensorInfo)} times through {@link #observe} (per-tensor statistics)
 * and finally through {@link #merge}, whose output is written. Calls come from one thread at a time, unless
 * the run is {@link #concurrent()}.
 */
public interface MergeRun extends AutoCloseable {
    /**
     * Whether {@link #observe} and {@link #merge} may run on several threads at once, each call on its own chunk, in
     * any order within a pass ({@link #endPass} and {@link #finish} still come alone, after every call of the pass
     * returned). A concurrent run must compute the same values whichever thread sees which chunk.
     */
    default boolean concurrent() {
        return false;
    }

    /**
     * Whether the per-tensor pre-passes may run on several threads too (when {@link #concurrent()}); a run whose
     * per-thread state would be made anew for every tensor can keep them on one thread.
     */
    default boolean concurrentTensorPasses() {
        return concurrent();
    }

    /** Whether pass {@code pass} over {@code tensor} may run on several threads (when {@link #concurrent()}). */
    default boolean concurrentTensorPass(TensorInfo tensor, int pass) {
        return concurrentTensorPasses();
    }

    /**
     * Whether the merged value of an element is NaN or ±Inf whenever one of the chunk's inputs is at that element
     * (sums of task vectors are). Then the executor does not scan the inputs as it reads them: it scans the result,
     * as it always does, and only a non-finite result sends it back to the inputs, to report the first non-finite
     * input exactly as the scan on reading would have.
     */
    default boolean nonFiniteInputsPropagate() {
        return false;
    }

    /** A run without state between calls: {@code merge} computes each chunk from the chunk alone, on any thread. */
    static MergeRun stateless(MergeRun merge) {
        return new MergeRun() {
            @Override
            public boolean concurrent() {
                return true;
            }

            @Override
            public void merge(TensorChunk chunk, float[] out) {
                merge.merge(chunk, out);
            }
        };
    }

    /**
     * Passes over all floating tensors before the first output. Asked again after each pass, so the number may
     * shrink when a pass made a later one unnecessary, or grow when a pass could not give what it was for.
     */
    default int globalPasses() {
        return 0;
    }

    /** Global pass {@code pass} reads only every n-th chunk of the stream (a sample) when this returns n &gt; 1. */
    default int globalPassStride(int pass) {
        return 1;
    }

    /**
     * Passes over each tensor right before it is merged: 0 for a run without per-tensor statistics; otherwise the
     * usual count (a tensor's own count is {@link #tensorPasses(TensorInfo)}).
     */
    default int tensorPasses() {
        return 0;
    }

    /**
     * Passes over {@code tensor} right before it is merged, as far as known now: asked again after each pass, so the
     * number may shrink or grow as for {@link #globalPasses()}.
     */
    default int tensorPasses(TensorInfo tensor) {
        return tensorPasses();
    }

    /** Pass {@code pass} over {@code tensor} reads only every n-th chunk of the tensor (a sample) when this returns n &gt; 1. */
    default int tensorPassStride(TensorInfo tensor, int pass) {
        return 1;
    }

    /** One chunk of a pre-pass. */
    default void observe(PrePass pass, TensorChunk chunk) {
    }

    /** A pre-pass has seen all its chunks (a global pass: all tensors; a tensor pass: that tensor). */
    default void endPass(PrePass pass) {
    }

    /** Writes the merged values of the chunk's elements to {@code out[0, chunk.count())}, in F32. */
    void merge(TensorChunk chunk, float[] out);

    /**
     * After the last chunk was merged: corrections to output elements that could only be decided once every
     * chunk was seen (Ties' zero-sum entries depend on the majority sign of the whole model). The executor writes
     * them into the output before committing it.
     */
    default void finish(OutputPatcher patcher) {
    }

    /** Releases what the run holds (temporary files); called whether the merge succeeded or not. */
    @Override
    default void close() {
    }

    /** Overwrites one merged element of the output. */
    @FunctionalInterface
    interface OutputPatcher {
        void set(TensorInfo tensor, long element, float value);
    }
}
