package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DJL attaches an operation's result, and any constants it creates on the way (such as the scalar bounds of
 * {@code clip}), to the manager of the receiver. When the receiver is long-lived (weights, coefficients) those
 * arrays would pile up step after step; take a step-scoped view first and operate on that.
 */
public final class Scopes {
    private Scopes() {
    }

    /** A differentiable view of {@code array} (same data, gradients flow back) owned by {@code scope}. */
    public static NDArray view(NDArray array, NDManager scope) {
        NDArray v = array.reshape(array.getShape());
        v.attach(scope);
        return v;
    }
}
