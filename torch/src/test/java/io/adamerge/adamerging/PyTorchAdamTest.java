package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class PyTorchAdamTest {
    @Test
    void firstStepAddsEpsilonToTheBiasCorrectedRootMeanSquare() {
        // step 1: m̂ = g, v̂ = g², so Δ = lr·g/(|g| + ε). With |g| = ε the step is lr/2; DJL's Adam (ε added to √v
        // before the bias correction) would give lr·g/(|g| + ε·√(1−β2)) ≈ 0.97·lr.
        float[] p = {0.3f, 0.3f, 0.3f};
        float[] g = {1e-8f, -0.5f, 0f};
        new PyTorchAdam(3, 1e-3, 0.9, 0.999, 1e-8).update(p, g);
        assertThat((double) p[0]).isCloseTo(0.3 - 0.5e-3, Offset.offset(1e-7));
        assertThat((double) p[1]).isCloseTo(0.3 + 1e-3, Offset.offset(1e-7));
        assertThat(p[2]).isEqualTo(0.3f);
    }

    @Test
    void laterStepsFollowTheTextbookFormulaInDouble() {
        float[] p = {0.5f};
        PyTorchAdam adam = new PyTorchAdam(1, 1e-2, 0.9, 0.999, 1e-8);
        double m = 0;
        double v = 0;
        double x = 0.5;
        float[] grads = {0.3f, -0.1f, 0.05f, 0.2f, -0.4f};
        for (int t = 1; t <= grads.length; t++) {
            adam.update(p, new float[] {grads[t - 1]});
            m = 0.9 * m + 0.1 * grads[t - 1];
            v = 0.999 * v + 0.001 * grads[t - 1] * grads[t - 1];
            x -= 1e-2 / (1 - Math.pow(0.9, t)) * m / (Math.sqrt(v) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8);
            assertThat((double) p[0]).as("step %d", t).isCloseTo(x, Offset.offset(1e-6));
        }
        assertThat(adam.step()).isEqualTo(5);
    }
}
