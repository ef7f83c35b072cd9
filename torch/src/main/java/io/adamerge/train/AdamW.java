package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.Gradients;
import java.util.HashMap;
import java.util.Map;

/**
 * AdamW over a map of functional weights, as {@code torch.optim.AdamW} computes it (decoupled weight decay
 * {@code p ← p·(1 − lr·wd)}, then {@code p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)}).
 *
 * <p>Not DJL's {@code ai.djl.training.optimizer.AdamW}: that one detaches its moment buffers from every manager
 * (they are never freed) and puts ε inside the bias correction, so its steps differ from PyTorch's early on. Here
 * the moments live in a manager this optimizer owns and closes. β₁ may change from step to step (one-cycle
 * momentum); the bias correction then uses the current β₁, as PyTorch does.
 *
 * <p>Call {@link #step} outside any {@link ai.djl.training.GradientCollector}: the updates are in place on the
 * leaves. It zeroes the gradients it consumed.
 */
public final class AdamW implements AutoCloseable {
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager state;
    private final Map<String, NDArray> firstMoments = new HashMap<>();
    private final Map<String, NDArray> secondMoments = new HashMap<>();
    private int steps;

    /**
     * @param parent the manager the moment buffers are created under (in a sub-manager closed by {@link #close})
     */
    public AdamW(NDManager parent, double beta2, double eps, double weightDecay) {
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps must be > 0 and weight decay >= 0, got " + eps + ", " + weightDecay);
        }
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.state = parent.newSubManager();
    }

    /** PyTorch's defaults: β₂ 0.999, ε 1e-8. */
    public static AdamW create(NDManager parent, double weightDecay) {
        return new AdamW(parent, 0.999, 1e-8, weightDecay);
    }

    /** Number of steps taken. */
    public int steps() {
        return steps;
    }

    /**
     * One update of every weight of {@code params} that has a gradient, with learning rate {@code lr} and first-moment
     * decay {@code beta1}; then their gradients are zeroed. Weights without a gradient are left as they are.
     */
    public void step(Map<String, NDArray> params, double lr, double beta1) {
        if (!(beta1 >= 0 && beta1 < 1) || !(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("need 0 <= beta1 < 1 and a finite lr >= 0, got beta1 " + beta1 + ", lr " + lr);
        }
        steps++;
        double bias1 = 1 - Math.pow(beta1, steps);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        float decay = (float) (1 - lr * weightDecay);
        float stepSize = (float) (lr / bias1);
        try (NDManager scratch = state.newSubManager()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                if (!p.hasGradient()) {
                    continue;
                }
                NDArray g = p.getGradient();
                g.attach(scratch);
                NDArray m = firstMoments.computeIfAbsent(e.getKey(), k -> newBuffer(p));
                NDArray v = secondMoments.computeIfAbsent(e.getKey(), k -> newBuffer(p));
                m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
                // results of an op belong to the manager of its receiver: move them to the scratch manager
                NDArray denom = v.sqrt();
                denom.attach(scratch);
                denom.divi((float) bias2Sqrt).addi((float) eps);
                NDArray update = m.div(denom);
                update.attach(scratch);
                if (weightDecay != 0) {
                    p.muli(decay);
                }
                p.subi(update.muli(stepSize));
            }
        }
        Gradients.zero(params.values());
    }

    private NDArray newBuffer(NDArray like) {
        return state.zeros(like.getShape(), like.getDataType());
    }

    @Override
    public void close() {
        firstMoments.clear();
        secondMoments.clear();
        state.close();
    }
}
