package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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

    /**
     * The sequences {@code ids[indices[0]], ids[indices[1]], …} padded on the right (token 0, mask 0, type 0) to
     * {@code length}, or to the longest of them when {@code length} is 0, as one batch on {@code manager}.
     */
    public static TokenBatch rightPadded(long[][] ids, int[] indices, int length, NDManager manager) {
        int width = length > 0 ? length : Arrays.stream(indices).map(i -> ids[i].length).max().orElseThrow();
        long[] tokens = new long[indices.length * width];
        long[] mask = new long[indices.length * width];
        for (int r = 0; r < indices.length; r++) {
            long[] s = ids[indices[r]];
            if (s.length > width) {
                throw new IllegalArgumentException("sequence " + indices[r] + " has " + s.length + " tokens, more than " + width);
            }
            System.arraycopy(s, 0, tokens, r * width, s.length);
            Arrays.fill(mask, r * width, r * width + s.length, 1L);
        }
        Shape shape = new Shape(indices.length, width);
        return new TokenBatch(manager.create(tokens, shape), manager.create(mask, shape), manager.zeros(shape, DataType.INT64));
    }
}
