package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;

/**
 * Tokenised text as BERT-style encoders take it: {@code input_ids}, {@code attention_mask} (1 for tokens, 0 for
 * padding) and {@code token_type_ids} (segment ids; may be null, meaning all zeros), each [batch, sequence] int64.
 */
public record TokenBatch(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds) implements Batch {
    public TokenBatch {
        long[] ids = inputIds.getShape().getShape();
        if (ids.length != 2) {
            throw new IllegalArgumentException("input_ids must be [batch, sequence], got " + Arrays.toString(ids));
        }
        if (!Arrays.equals(attentionMask.getShape().getShape(), ids)) {
            throw new IllegalArgumentException("attention_mask has shape " + attentionMask.getShape() + ", input_ids " + inputIds.getShape());
        }
        if (tokenTypeIds != null && !Arrays.equals(tokenTypeIds.getShape().getShape(), ids)) {
            throw new IllegalArgumentException("token_type_ids has shape " + tokenTypeIds.getShape() + ", input_ids " + inputIds.getShape());
        }
    }

    @Override
    public int size() {
        return (int) inputIds.getShape().get(0);
    }

    /** Tokens per example, padding included. */
    public int sequenceLength() {
        return (int) inputIds.getShape().get(1);
    }
}
