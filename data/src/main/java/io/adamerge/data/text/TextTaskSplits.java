package io.adamerge.data.text;

import io.adamerge.data.task.Split;

/** The three splits of one text task under one seed. */
public record TextTaskSplits(TextTask task, long seed, TextDataset train, TextDataset validation, TextDataset test) {
    public TextDataset get(Split split) {
        return switch (split) {
            case TRAIN -> train;
            case VALIDATION -> validation;
            case TEST -> test;
        };
    }
}
