package io.adamerge.adamerging;

/** An optimiser's settings: starts a run from coefficients, fresh or resumed from the state they carry. */
@FunctionalInterface
public interface Optimizer {
    /** A run that continues from {@code from}: its step count and state when it has one, else a fresh start. */
    CoefficientOptimizer start(Coefficients from);
}
