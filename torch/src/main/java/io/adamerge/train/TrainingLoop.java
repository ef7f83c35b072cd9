package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.adamerge.model.Gradients;
import io.adamerge.model.TorchRuntime;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * Minimises a loss over a map of functional weights with {@link AdamW}: per step, a fresh sub-manager holds the
 * batch and every intermediate, the gradient collector records the forward pass, the optimiser updates the weights
 * in place and zeroes their gradients. A progress bar shows the running loss.
 */
public final class TrainingLoop {
    private TrainingLoop() {
    }

    /** The loss of one step: a scalar built from the trained weights, its arrays on {@code batch}. */
    @FunctionalInterface
    public interface Objective {
        NDArray loss(int step, NDManager batch);
    }

    /**
     * Runs {@code steps} steps and returns the loss of each.
     *
     * @param label  the progress bar's title; null for no bar
     * @param params weights to train, leaves on a manager that outlives the run (their gradients are turned on)
     */
    public static float[] run(String label, Map<String, NDArray> params, int steps, AdamW optimizer,
                              LearningRateSchedule schedule, Objective objective, NDManager parent) {
        Gradients.require(params.values());
        Gradients.zero(params.values());
        float[] losses = new float[steps];
        double smoothed = Double.NaN;
        try (ProgressBar bar = label == null ? Progress.silent(steps) : Progress.bar(label, steps)) {
            for (int step = 0; step < steps; step++) {
                try (NDManager batch = parent.newSubManager();
                     GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                    NDArray loss = objective.loss(step, batch);
                    collector.backward(loss);
                    losses[step] = loss.getFloat();
                }
                if (!Float.isFinite(losses[step])) {
                    throw new IllegalStateException(label + ": loss became " + losses[step] + " at step " + step
                            + " (learning rate " + schedule.lr(step) + ")");
                }
                optimizer.step(params, schedule.lr(step), schedule.beta1(step));
                smoothed = Double.isNaN(smoothed) ? losses[step] : 0.9 * smoothed + 0.1 * losses[step];
                bar.step();
                bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", smoothed));
            }
        }
        return losses;
    }
}
