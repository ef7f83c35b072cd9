package io.adamerge.merge;

/** Value types of merge parameters. */
public enum ParameterType {
    /** A real number (Double). */
    NUMBER,
    /** A whole number (Long). */
    INTEGER,
    /** true or false (Boolean). */
    BOOLEAN,
    /** One of a fixed set of words (String). */
    CHOICE,
    /**
     * A checkpoint path (Path): a per-model auxiliary input with the same tensor names (e.g. Fisher
     * information). The executor opens it and hands the method the same chunk of it as of the model.
     */
    CHECKPOINT
}
