package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gradient bookkeeping for training with a {@link ai.djl.training.GradientCollector}. PyTorch accumulates
 * gradients across backward passes, so zero them every step. DJL's {@code getGradient()} returns a new handle
 * attached to the parameter's manager each call; these helpers release or re-home those handles so long-lived
 * managers do not grow step after step.
 */
public final class Gradients {
    private Gradients() {
    }

    /**
     * Fresh gradient leaves for one step, the counterpart of PyTorch's {@code zero_grad(set_to_none=True)}:
     * each is a detached alias of a weight (same storage, so in-place updates of the weights show through),
     * attached to {@code step} and requiring a gradient. Backward then writes each gradient once, with no
     * zeroing and no accumulation pass over memory; closing {@code step} frees the gradients.
     */
    public static Map<String, NDArray> leaves(Map<String, NDArray> weights, NDManager step) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            NDArray leaf = w.stopGradient();
            leaf.attach(step);
            leaf.setRequiresGradient(true);
            out.put(name, leaf);
        });
        return out;
    }

    /**
     * A leaf holding rows {@code rows} of {@code weight} (a copy, detached from any graph), on {@code step}, requiring a
     * gradient: for a large lookup table of which a batch reads a few rows ({@link Encoder#readRows}).
     */
    public static NDArray rowLeaf(NDArray weight, NDIndex rows, NDManager step) {
        NDArray leaf = weight.get(step, rows).stopGradient();
        leaf.attach(step);
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /** {@code dense[rows] += values} (rows distinct), intermediates on {@code scratch}. */
    public static void addRows(NDArray dense, NDIndex rows, NDArray values, NDManager scratch) {
        dense.set(rows, dense.get(scratch, rows).addi(values));
    }

    /**
     * The gradients the leaves got, as handles attached to {@code into}, same keys; leaves that got none are left out.
     */
    public static Map<String, NDArray> accumulated(Map<String, NDArray> leaves, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        leaves.forEach((name, leaf) -> {
            PtNDArray grad = JniUtils.getGradient((PtNDArray) leaf);
            if (grad != null) {
                grad.attach(into);
                out.put(name, grad);
            }
        });
        return out;
    }

    /**
     * Carries on a backward pass that stopped at {@link #leaves}: each gradient ({@code gradients}, keys a subset of
     * {@code produced}'s) is sent from the array it belongs to into the graph that computed that array, as if the forward
     * passes had used {@code produced} directly. The graph is kept until the last array, as the arrays may share parts
     * of it. Call it inside the {@link ai.djl.training.GradientCollector} that built the graph.
     */
    public static void backwardThrough(Map<String, NDArray> produced, Map<String, NDArray> gradients) {
        List<String> names = new ArrayList<>(gradients.keySet());
        for (int i = 0; i < names.size(); i++) {
            JniUtils.backward((PtNDArray) produced.get(names.get(i)), (PtNDArray) gradients.get(names.get(i)),
                    i + 1 < names.size(), false);
        }
    }

    /** Marks every array as a leaf that gets a gradient. */
    public static void require(Collection<NDArray> params) {
        params.forEach(p -> p.setRequiresGradient(true));
    }

    /** Sets the accumulated gradient of each array to zero (NaN and infinity included). */
    public static void zero(Collection<NDArray> params) {
        for (NDArray p : params) {
            if (!p.hasGradient()) {
                continue;
            }
            if (p instanceof PtNDArray pt) {
                JniUtils.zeroGrad(pt);
            } else {
                try (NDArray g = p.getGradient()) {
                    g.muli(0); // other engines: NaN stays NaN here
                }
            }
        }
    }

    /**
     * The current gradients, as handles attached to {@code into} (close it to release them). They alias the
     * accumulated gradient: valid until the next {@link #zero} or backward pass; {@code duplicate()} to keep one.
     */
    public static Map<String, NDArray> of(Map<String, NDArray> params, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(into);
            out.put(name, g);
        });
        return out;
    }
}
