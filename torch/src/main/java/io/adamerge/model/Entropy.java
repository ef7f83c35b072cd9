package io.adamerge.model;

import ai.djl.ndarray.NDArray;

/** Shannon entropy of softmax predictions, the AdaMerging objective. */
public final class Entropy {
    private Entropy() {
    }

    /** Entropy in nats of softmax(logits) for each row of [batch, classes] logits: [batch]. */
    public static NDArray perSample(NDArray logits) {
        NDArray logP = logits.logSoftmax(-1);
        return logP.exp().mul(logP).sum(new int[] {-1}).neg();
    }

    /** Mean over the batch of {@link #perSample}: a scalar, differentiable. */
    public static NDArray mean(NDArray logits) {
        return perSample(logits).mean();
    }
}
