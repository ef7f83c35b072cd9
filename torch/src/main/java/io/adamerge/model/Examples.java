package io.adamerge.model;

import ai.djl.ndarray.NDManager;

/**
 * Unlabelled inputs of one task, ready for an {@link Encoder} (preprocessed images, tokenised sentences): what
 * data-driven and test-time merges draw their batches from.
 */
public interface Examples {
    /** Where the examples came from, for messages. */
    String source();

    /** Number of examples. */
    int count();

    /** The examples at {@code indices}, in that order, as a batch on {@code manager}. */
    Batch select(int[] indices, NDManager manager);
}
