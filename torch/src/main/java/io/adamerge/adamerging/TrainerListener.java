package io.adamerge.adamerging;

/** Told about every step of a {@link CoefficientTrainer}: progress, checkpoints, stops. */
@FunctionalInterface
public interface TrainerListener {
    /** After the gradient, before the update; throwing stops the run with nothing updated. */
    default void beforeUpdate(StepResult result) {
    }

    /** After the update, with what the step computed and the coefficients (and optimiser state) after it. */
    void afterStep(StepResult result, Coefficients updated);
}
