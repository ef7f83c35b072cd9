package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.merge.data.BatchSampler;
import io.adamerge.model.Encoder;
import java.util.List;

/**
 * The loss and dL/dλ of a step are sums over tasks: computing them in one forward and backward pass for all tasks (the
 * official code's way) or in several passes whose weight gradients add up must give the same numbers, up to the order
 * of the additions.
 */
final class PassesAgree {
    private PassesAgree() {
    }

    /**
     * Evaluates step {@code step} at {@code lambda} with all tasks in one pass and with each of {@code examplesPerPass},
     * and checks that every loss and every gradient entry agree within float rounding of sums.
     *
     * @return the one-pass gradient, for further checks
     */
    static float[] check(Encoder encoder, LearnableMerge merge, List<TestTimeTask> tasks, BatchSampler sampler,
                         Coefficients lambda, int step, int... examplesPerPass) {
        StepResult one = trainer(encoder, merge, tasks, sampler, CoefficientTrainer.ALL_IN_ONE_PASS).evaluate(lambda, step);
        float scale = 0f;
        for (float g : one.gradient()) {
            scale = Math.max(scale, Math.abs(g));
        }
        assertThat(scale).as("the one-pass gradient is not all zeros").isPositive();
        for (int n : examplesPerPass) {
            StepResult passes = trainer(encoder, merge, tasks, sampler, n).evaluate(lambda, step);
            assertThat((double) passes.loss()).as("loss, %d examples per pass", n)
                    .isCloseTo(one.loss(), org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(one.loss()))));
            for (int t = 0; t < tasks.size(); t++) {
                assertThat((double) passes.taskLoss()[t]).as("task %d loss, %d examples per pass", t, n)
                        .isCloseTo(one.taskLoss()[t], org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(passes.gradient()).hasSameSizeAs(one.gradient());
            for (int i = 0; i < one.gradient().length; i++) {
                assertThat((double) passes.gradient()[i]).as("dL/dλ[%d], %d examples per pass", i, n)
                        .isCloseTo(one.gradient()[i], org.assertj.core.data.Offset.offset(1e-5 * scale));
            }
        }
        return one.gradient();
    }

    private static CoefficientTrainer trainer(Encoder encoder, LearnableMerge merge, List<TestTimeTask> tasks,
                                              BatchSampler sampler, int examplesPerPass) {
        return new CoefficientTrainer(encoder, merge, tasks, EntropyObjective.INSTANCE, PyTorchAdam.Settings.withLearningRate(1e-3),
                sampler, 1, List.of(), examplesPerPass);
    }
}
