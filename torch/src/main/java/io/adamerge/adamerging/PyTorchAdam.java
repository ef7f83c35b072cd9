package io.adamerge.adamerging;

import java.util.Arrays;

/**
 * Adam exactly as {@code torch.optim.Adam} (no weight decay, not amsgrad) updates a float32 parameter on the CPU:
 * <pre>
 *   m ← lerp(m, g, 1 − β1)            v ← β2·v + (1 − β2)·g²
 *   denom = √v / √(1 − β2^t) + ε      θ ← θ − lr / (1 − β1^t) · m / denom
 * </pre>
 * with the bias corrections in double and the element-wise arithmetic in float, as PyTorch does.
 *
 * <p>Why not DJL's {@code Adam}: it folds both bias corrections into the learning rate and adds ε to √v instead
 * of √v̂ ({@code θ −= lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε)}), which is PyTorch's update with ε scaled by
 * 1/√(1−β2^t) (≈ 31.6·ε at step 1). That changes steps whose gradients are near ε, and the official AdaMerging
 * uses PyTorch's Adam. The coefficients are a few hundred numbers, so plain Java arrays suffice.
 */
public final class PyTorchAdam implements CoefficientOptimizer {
    /**
     * Adam's settings, an {@link Optimizer}: a run starts fresh, or resumes from the moments and step count saved with
     * the coefficients.
     */
    public record Settings(double learningRate, double beta1, double beta2, double epsilon) implements Optimizer {
        /** {@code torch.optim.Adam}'s defaults but the learning rate: betas (0.9, 0.999), eps 1e-8. */
        public static Settings withLearningRate(double learningRate) {
            return new Settings(learningRate, 0.9, 0.999, 1e-8);
        }

        @Override
        public PyTorchAdam start(Coefficients from) {
            Coefficients.AdamState s = from.adam();
            return s == null ? new PyTorchAdam(from.values().length, learningRate, beta1, beta2, epsilon)
                    : new PyTorchAdam(learningRate, beta1, beta2, epsilon, s.expAvg(), s.expAvgSq(), from.step());
        }
    }

    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final float[] expAvg;
    private final float[] expAvgSq;
    private int step;

    public PyTorchAdam(int size, double learningRate, double beta1, double beta2, double epsilon) {
        this(learningRate, beta1, beta2, epsilon, new float[size], new float[size], 0);
    }

    /** Resumes from saved moments after {@code step} updates. */
    public PyTorchAdam(double learningRate, double beta1, double beta2, double epsilon, float[] expAvg, float[] expAvgSq, int step) {
        if (!(learningRate >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon >= 0)) {
            throw new IllegalArgumentException("invalid Adam settings: lr " + learningRate + ", betas (" + beta1 + ", " + beta2
                    + "), eps " + epsilon);
        }
        if (expAvg.length != expAvgSq.length || step < 0) {
            throw new IllegalArgumentException("inconsistent Adam state");
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.expAvg = expAvg.clone();
        this.expAvgSq = expAvgSq.clone();
        this.step = step;
    }

    @Override
    public void update(float[] params, float[] grad) {
        if (params.length != expAvg.length || grad.length != expAvg.length) {
            throw new IllegalArgumentException("Adam holds " + expAvg.length + " values, got " + params.length
                    + " parameters and " + grad.length + " gradients");
        }
        step++;
        float oneMinusBeta1 = (float) (1 - beta1);
        float beta2f = (float) beta2;
        float oneMinusBeta2 = (float) (1 - beta2);
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (learningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float) Math.sqrt(biasCorrection2);
        float eps = (float) epsilon;
        for (int i = 0; i < params.length; i++) {
            float g = grad[i];
            expAvg[i] = expAvg[i] + oneMinusBeta1 * (g - expAvg[i]);
            expAvgSq[i] = expAvgSq[i] * beta2f + oneMinusBeta2 * g * g;
            float denom = (float) Math.sqrt(expAvgSq[i]) / biasCorrection2Sqrt + eps;
            params[i] = params[i] - stepSize * expAvg[i] / denom;
        }
    }

    @Override
    public int step() {
        return step;
    }

    public float[] expAvg() {
        return Arrays.copyOf(expAvg, expAvg.length);
    }

    public float[] expAvgSq() {
        return Arrays.copyOf(expAvgSq, expAvgSq.length);
    }

    @Override
    public Coefficients.AdamState state() {
        return new Coefficients.AdamState(expAvg(), expAvgSq());
    }
}
