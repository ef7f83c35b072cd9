package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Training losses on logits. */
public final class Losses {
    private Losses() {
    }

    /** Mean cross-entropy of [batch, classes] logits against integer labels [batch]: a differentiable scalar. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(logits.getShape().dimension() - 1);
        NDArray indices = labels.getDataType() == DataType.INT64 ? labels : labels.toType(DataType.INT64, false);
        NDArray oneHot = indices.oneHot((int) classes);
        return logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1}).mean().neg();
    }
}
