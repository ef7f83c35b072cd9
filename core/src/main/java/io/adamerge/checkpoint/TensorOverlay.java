package io.adamerge.checkpoint;

/**
 * Values that replace some tensors of a checkpoint without a file of their own: a PEFT LoRA adapter over its
 * base model is the base's tensors with {@code W + scale·B·A} in place of the adapted matrices. The overlay owns
 * at most a few materialised tensors at a time, so a model made of an adapter streams like a file.
 */
public interface TensorOverlay extends AutoCloseable {
    /** Whether this overlay supplies tensor {@code name} (otherwise the underlying files do). */
    boolean covers(String name);

    /** Elements {@code [start, start + count)} of the flattened tensor {@code name}, as float. */
    void read(String name, long start, float[] out, int offset, int count);

    /**
     * The exact difference {@code value − underlying} of a covered tensor (for LoRA: {@code scale·B·A}),
     * without the rounding of {@code (W + ΔW) − W}.
     */
    float[] difference(String name);

    /** A short description for messages, e.g. {@code "LoRA adapter adapters/a (r 8, alpha 16)"}. */
    String describe();

    @Override
    void close();
}
