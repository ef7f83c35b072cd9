package io.adamerge.data.task;

/** What a task is for. */
public enum TaskRole {
    /** One of the eight tasks the zoo is fine-tuned on and merges are scored on. */
    BENCHMARK,
    /** Kept out of the eight, for the unseen-task study. */
    HELD_OUT,
    /** Available data outside the study (e.g. for label-free or disjoint-label pretraining). */
    EXTRA
}
