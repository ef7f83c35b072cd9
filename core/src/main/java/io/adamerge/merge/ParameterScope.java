package io.adamerge.merge;

/** Where a merge parameter may be set. */
public enum ParameterScope {
    /** One value for the whole merge (mergekit's top-level {@code parameters}). */
    GLOBAL,
    /** One value per model; a value given globally applies to every model unless the model sets its own. */
    PER_MODEL
}
