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
     * Evaluates step {@code step} at {@code lambda} with all tasks in one pass, with a pass per task and with passes of
     * about two tasks (bounds on a pass's activations from the encoder's estimate for the first task's batch), and checks
     * that every loss and every gradient entry agree within float rounding of sums.
     *
     * @return the one-pass gradient, for further checks
     */
    static float[] check(Encoder encoder, LearnableMerge merge, List<TestTimeTask> tasks, BatchSampler sampler,
                         Coefficients lambda, int step) {
        long oneTask;
        try (ai.djl.ndarray.NDManager m = merge.newScope()) {
            TestTimeTask first = tasks.get(0);
            oneTask = encoder.activationBytes(first.examples().select(sampler.indices(0, step, first.examples().count()), m));
        }
        assertThat(oneTask).as("the encoder estimates its activations").isPositive();
        long[] bounds = {1, 2 * oneTask};
        StepResult one = trainer(encoder, merge, tasks, sampler, CoefficientTrainer.ALL_IN_ONE_PASS).evaluate(lambda, step);
        float scale = 0f;
        for (float g : one.gradient()) {
            scale = Math.max(scale, Math.abs(g));
        }
        assertThat(scale).as("the one-pass gradient is not all zeros").isPositive();
        for (long n : bounds) {
            StepResult passes = trainer(encoder, merge, tasks, sampler, n).evaluate(lambda, step);
            assertThat((double) passes.loss()).as("loss, passes of at most %d bytes", n)
                    .isCloseTo(one.loss(), org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(one.loss()))));
            for (int t = 0; t < tasks.size(); t++) {
                assertThat((double) passes.taskLoss()[t]).as("task %d loss, passes of at most %d bytes", t, n)
                        .isCloseTo(one.taskLoss()[t], org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(passes.gradient()).hasSameSizeAs(one.gradient());
            for (int i = 0; i < one.gradient().length; i++) {
                assertThat((double) passes.gradient()[i]).as("dL/dλ[%d], passes of at most %d bytes", i, n)
                        .isCloseTo(one.gradient()[i], org.assertj.core.data.Offset.offset(1e-5 * scale));
            }
        }
        return one.gradient();
    }

    private static CoefficientTrainer trainer(Encoder encoder, LearnableMerge merge, List<TestTimeTask> tasks,
                                              BatchSampler sampler, long passActivationBytes) {
        return new CoefficientTrainer(encoder, merge, tasks, EntropyObjective.INSTANCE, PyTorchAdam.Settings.withLearningRate(1e-3),
                sampler, 1, List.of(), passActivationBytes);
    }
}
