package io.adamerge.data.task;

import io.adamerge.data.ImageDataset;

/** The three splits of one task at one image shape. */
public record TaskSplits(TaskInfo info, long seed, ImageDataset train, ImageDataset validation, ImageDataset test) {
    public ImageDataset get(Split split) {
        return switch (split) {
            case TRAIN -> train;
            case VALIDATION -> validation;
            case TEST -> test;
        };
    }
}
