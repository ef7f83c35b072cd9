package io.adamerge.adamerging;

/**
 * Stops a run before an update with a non-finite loss or gradient. The entropy is bounded and the merge linear in λ,
 * so such a value is a runtime fault, never data: better no result than coefficients poisoned with NaN.
 *
 * @param method named in the message
 */
public record NonFiniteStop(String method) implements TrainerListener {
    @Override
    public void beforeUpdate(StepResult r) {
        boolean lossFinite = Float.isFinite(r.loss());
        if (!lossFinite || !allFinite(r.gradient())) {
            throw new IllegalStateException(method + " " + (lossFinite ? "gradient" : "loss") + " is not finite at step " + r.step());
        }
    }

    @Override
    public void afterStep(StepResult result, Coefficients updated) {
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
