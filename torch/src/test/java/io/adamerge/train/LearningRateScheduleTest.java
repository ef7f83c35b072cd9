package io.adamerge.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** One-cycle against {@code torch.optim.lr_scheduler.OneCycleLR(max_lr 1e-3, total_steps 20, pct_start 0.1)} (PyTorch 1.13). */
class LearningRateScheduleTest {
    @Test
    void oneCycleMatchesPyTorch() {
        LearningRateSchedule s = LearningRateSchedule.OneCycle.pytorchDefaults(1e-3, 20, 0.1);
        double[][] torch = {{0, 3.9999999999999996e-05, 0.95}, {1, 0.001, 0.85}, {2, 0.000992403906890598, 0.8507596123493896},
                {5, 0.0008830226894706026, 0.8616977778440511}, {19, 4e-09, 0.95}};
        for (double[] row : torch) {
            int step = (int) row[0];
            assertThat(s.lr(step)).as("lr at %d", step).isCloseTo(row[1], within(1e-15));
            assertThat(s.beta1(step)).as("beta1 at %d", step).isCloseTo(row[2], within(1e-12));
        }
    }

    @Test
    void namedSchedules() {
        assertThat(LearningRateSchedule.of("constant", 3e-4, 0.9, 100, 0.1).lr(57)).isEqualTo(3e-4);
        assertThat(LearningRateSchedule.of("one-cycle", 1e-3, 0.9, 800, 0.1).lr(79)).isCloseTo(1e-3, within(1e-15));
        assertThatThrownBy(() -> LearningRateSchedule.of("linear", 1e-3, 0.9, 10, 0.1)).hasMessageContaining("constant or one-cycle");
    }
}
