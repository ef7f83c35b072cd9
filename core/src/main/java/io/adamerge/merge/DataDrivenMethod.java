package io.adamerge.merge;

/**
 * A merge method that runs each fine-tuned model on unlabelled data of its task (Fisher merging, RegMean): it
 * needs, per model, a data set and, if {@link #needsHeads()}, the model's classification head. Declared in core so
 * that the registry lists it with its parameters; the computation lives in a module with a tensor runtime, which
 * provides implementations through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.adamerge.merge.DataDrivenMethod}). Core itself has no native dependency.
 */
public non-sealed interface DataDrivenMethod extends MergeMethodInfo {
    /** Whether each model's classification head is needed (Fisher needs the predictions; RegMean only the inputs). */
    @Override
    boolean needsHeads();

    @Override
    default Kind kind() {
        return Kind.DATA_DRIVEN;
    }

    @Override
    default Needs needs() {
        return Needs.UNLABELLED_DATA;
    }

    /** These methods combine the fine-tuned models themselves: no base unless an implementation says otherwise. */
    @Override
    default boolean requiresBase() {
        return false;
    }
}
