package io.adamerge.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.adamerge.model.TorchRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW against {@code torch.optim.AdamW} (PyTorch 1.13, CPU): p = [1, −2, 0.25], lr 0.1, betas (0.9, 0.999), eps 1e-8,
 * weight decay 0.01, three steps with the gradients below; the expected weights were printed by PyTorch after each step.
 */
class AdamWTest {
    private static final float[][] GRADIENTS = {{0.5f, 0.1f, -0.02f}, {-0.3f, 0.2f, 0f}, {0.05f, -0.4f, 1.5f}};

    /** torch.optim.AdamW, constant lr. */
    private static final double[][] TORCH_CONSTANT = {
            {0.8990000486373901, -2.0980000495910645, 0.34974995255470276},
            {0.8789512515068054, -2.192420244216919, 0.41640597581863403},
            {0.8578612208366394, -2.1708483695983887, 0.3528037369251251}};

    /** The same with OneCycleLR(max_lr 0.1, total_steps 10, pct_start 0.3): lr 0.004, 0.052, 0.1 and β₁ 0.95, 0.9, 0.85. */
    private static final double[][] TORCH_ONE_CYCLE = {
            {0.995959997177124, -2.003920078277588, 0.2539899945259094},
            {1.0004210472106934, -2.0452795028686523, 0.2712794244289398},
            {0.9985575079917908, -2.004876136779785, 0.2039470672607422}};

    @Test
    void constantLearningRateMatchesPyTorch() {
        run(new LearningRateSchedule.Constant(0.1, 0.9), TORCH_CONSTANT);
    }

    @Test
    void oneCycleMatchesPyTorch() {
        LearningRateSchedule s = LearningRateSchedule.OneCycle.pytorchDefaults(0.1, 10, 0.3);
        run(s, TORCH_ONE_CYCLE);
    }

    @Test
    void firstStepByHand() {
        // step 1: m = 0.1 g, v = 0.001 g², so m̂/√v̂ = sign(g): p ← p(1 − lr·wd) − lr·sign(g)
        try (NDManager m = TorchRuntime.newManager(); AdamW adam = new AdamW(m, 0.999, 1e-8, 0.01)) {
            Map<String, NDArray> params = params(m);
            setGradient(params, GRADIENTS[0]);
            adam.step(params, 0.1, 0.9);
            float[] p = params.get("p").toFloatArray();
            assertThat((double) p[0]).isCloseTo(1 * (1 - 0.001) - 0.1, within(1e-6));
            assertThat((double) p[1]).isCloseTo(-2 * (1 - 0.001) - 0.1, within(1e-6));
            assertThat((double) p[2]).isCloseTo(0.25 * (1 - 0.001) + 0.1, within(1e-6));
        }
    }

    @Test
    void gradientsAreZeroedAndUntouchedWeightsStay() {
        try (NDManager m = TorchRuntime.newManager(); AdamW adam = AdamW.create(m, 0.1)) {
            Map<String, NDArray> params = params(m);
            NDArray frozen = m.create(new float[] {3f, 4f});
            params.put("frozen", frozen);
            setGradient(Map.of("p", params.get("p")), GRADIENTS[0]);
            adam.step(params, 0.1, 0.9);
            assertThat(params.get("p").getGradient().toFloatArray()).containsOnly(0f);
            assertThat(frozen.toFloatArray()).containsExactly(3f, 4f);
        }
    }

    private static void run(LearningRateSchedule schedule, double[][] expected) {
        try (NDManager m = TorchRuntime.newManager(); AdamW adam = new AdamW(m, 0.999, 1e-8, 0.01)) {
            Map<String, NDArray> params = params(m);
            for (int step = 0; step < GRADIENTS.length; step++) {
                setGradient(params, GRADIENTS[step]);
                adam.step(params, schedule.lr(step), schedule.beta1(step));
                float[] p = params.get("p").toFloatArray();
                for (int i = 0; i < p.length; i++) {
                    assertThat((double) p[i]).as("step %d, element %d", step + 1, i).isCloseTo(expected[step][i], within(2e-6));
                }
            }
        }
    }

    private static Map<String, NDArray> params(NDManager m) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("p", m.create(new float[] {1f, -2f, 0.25f}));
        params.get("p").setRequiresGradient(true);
        return params;
    }

    /** Makes the gradient of each weight equal {@code g} by back-propagating Σ g·p. */
    private static void setGradient(Map<String, NDArray> params, float[] g) {
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
        try (NDManager scratch = params.values().iterator().next().getManager().newSubManager();
             GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
            NDArray loss = null;
            for (NDArray p : List.copyOf(params.values())) {
                NDArray term = p.mul(scratch.create(g)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            c.backward(loss);
        }
    }
}
