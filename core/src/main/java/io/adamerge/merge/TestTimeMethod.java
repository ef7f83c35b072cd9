package io.adamerge.merge;

/**
 * A merge method that learns its merging coefficients at test time from unlabelled inputs of each task (the
 * AdaMerging family): it needs each task's unlabelled inputs and classification head. Declared in core so that the
 * one registry lists it with its parameters; the computation lives in a module with a tensor runtime, which provides
 * implementations through {@link java.util.ServiceLoader} ({@code META-INF/services/io.adamerge.merge.TestTimeMethod}).
 */
public non-sealed interface TestTimeMethod extends MergeMethodInfo {
    @Override
    default Kind kind() {
        return Kind.TEST_TIME;
    }

    @Override
    default Needs needs() {
        return Needs.UNLABELLED_DATA;
    }

    /** The learnt objective is the prediction entropy of each task's head. */
    @Override
    default boolean needsHeads() {
        return true;
    }
}
