package io.adamerge.merge;

/**
 * A merge method that searches its merging coefficients with labelled validation data of each task (random search,
 * CMA-ES): every candidate is a merged model scored on the tasks' validation splits with their heads, never on the test
 * splits. Declared in core so that the one registry lists it with its parameters; the evaluation lives in a module with
 * a tensor runtime, which provides implementations through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.adamerge.merge.SearchMethod}); the search algorithms themselves are core's
 * {@code io.adamerge.search}.
 */
public non-sealed interface SearchMethod extends MergeMethodInfo {
    @Override
    default Kind kind() {
        return Kind.SEARCH;
    }

    @Override
    default Needs needs() {
        return Needs.LABELLED_VALIDATION;
    }

    /** Candidates are scored with each task's head. */
    @Override
    default boolean needsHeads() {
        return true;
    }
}
