package io.adamerge.adamerging;

/**
 * What one step of a {@link CoefficientTrainer} computed, before the update.
 *
 * @param step     0-based index of the step (it picks the batches)
 * @param loss     the objective: the sum over tasks of {@code taskLoss}
 * @param taskLoss the objective of each task's batch
 * @param gradient dL/dλ_raw, [rows, tasks] row-major like {@link Coefficients#values()}
 */
public record StepResult(int step, float loss, float[] taskLoss, float[] gradient) {
}
