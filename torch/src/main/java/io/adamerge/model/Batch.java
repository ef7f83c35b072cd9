package io.adamerge.model;

/**
 * A batch of inputs for an {@link Encoder}, its arrays on one {@link ai.djl.ndarray.NDManager}: pixels for image
 * towers ({@link PixelBatch}), token ids for text encoders ({@link io.adamerge.model.bert.TokenBatch}). Which kind a model takes is its
 * family's business; the methods above the model (AdaMerging, Fisher, evaluation) only pass batches through.
 */
public interface Batch {
    /** Number of examples. */
    int size();
}
