package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.Batch;
import java.util.Arrays;

/**
 * A padded batch of token sequences, int64 [batch, length] each: token ids, the attention mask (1 for real tokens,
 * 0 for padding) and the token type (segment) ids.
 */
public record TokenBatch(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds) implements Batch {
    public TokenBatch {
        long[] s = inputIds.getShape().getShape();
        if (s.length != 2 || !Arrays.equals(attentionMask.getShape().getShape(), s) || !Arrays.equals(tokenTypeIds.getShape().getShape(), s)) {
            throw new IllegalArgumentException("input_ids " + inputIds.getShape() + ", attention_mask " + attentionMask.getShape()
                    + " and token_type_ids " + tokenTypeIds.getShape() + " must all be [batch, length]");
        }
    }

    @Override
    public int size() {
        return (int) batchSize();
    }

    public long batchSize() {
        return inputIds.getShape().get(0);
    }

    public long length() {
        return inputIds.getShape().get(1);
    }
}
