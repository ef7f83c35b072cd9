package io.adamerge.merge;

/**
 * What a merge method needs besides the models' weights: every method declares one, and entry points (merge,
 * demo, studies) use it to give the method its inputs or to refuse it with a message saying what is missing.
 */
public enum Needs {
    /** The weights only (data-free: Task Arithmetic, Ties, DARE, ...). */
    NOTHING("weights only"),
    /** Unlabelled inputs of each task (Fisher and RegMean on train images; AdaMerging on the test inputs). */
    UNLABELLED_DATA("unlabelled data of each task"),
    /** Labelled validation data of each task (a coefficient chosen by validation accuracy). */
    LABELLED_VALIDATION("labelled validation data of each task");

    private final String description;

    Needs(String description) {
        this.description = description;
    }

    /** Words for listings: "weights only", "unlabelled data of each task", ... */
    public String description() {
        return description;
    }
}
