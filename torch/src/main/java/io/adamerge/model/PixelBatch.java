package io.adamerge.model;

import ai.djl.ndarray.NDArray;

/** Preprocessed images, {@code pixel_values} [batch, channels, height, width] float32. */
public record PixelBatch(NDArray pixelValues) implements Batch {
    public PixelBatch {
        if (pixelValues.getShape().dimension() != 4) {
            throw new IllegalArgumentException("pixel_values must be [batch, channels, height, width], got " + pixelValues.getShape());
        }
    }

    @Override
    public int size() {
        return (int) pixelValues.getShape().get(0);
    }
}
