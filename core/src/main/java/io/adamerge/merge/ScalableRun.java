package io.adamerge.merge;

/**
 * The run of a method with a {@link MergeMethod#scaleParameter() scale parameter} s: every output element is
 * θ_pre + s·D, where the merged task vector D does not depend on s. It gives D on its own, so that the merge at many
 * values of s costs one computation of D (the SVDs of a spectral merge) and one rescaling per value
 * ({@link InMemoryMerge#scalable}). {@link #merge} must write exactly {@code scaled(base, D, s)} for the s it was
 * prepared with, and {@link #finish} must correct nothing.
 */
public interface ScalableRun extends MergeRun {
    /** D of the chunk's elements, before scaling, to {@code out[0, chunk.count())}. */
    void direction(TensorChunk chunk, double[] out);

    /** The output element at scale {@code scale}, rounded exactly as {@link #merge} rounds it. */
    float scaled(float base, double direction, double scale);
}
