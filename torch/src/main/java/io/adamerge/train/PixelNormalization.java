package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;

/**
 * What a model sees of an image with values in [0, 1]: {@code (x − mean) / std} per pixel, as a
 * Hugging Face image processor's {@code image_mean}/{@code image_std} do.
 */
public record PixelNormalization(double mean, double std) {
    public PixelNormalization {
        if (!(std > 0) || !Double.isFinite(mean)) {
            throw new IllegalArgumentException("pixel normalisation needs a finite mean and std > 0, got " + mean + ", " + std);
        }
    }

    /** Normalises {@code pixels} in place. */
    public void applyInPlace(float[] pixels) {
        float m = (float) mean;
        float inv = (float) (1 / std);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (pixels[i] - m) * inv;
        }
    }

    /** The images at {@code indices}, normalised, as [n, C, H, W] pixel values on {@code manager}. */
    public NDArray pixelValues(ImageDataset data, int[] indices, NDManager manager) {
        int n = data.spec().pixels();
        float[] out = new float[indices.length * n];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(data.pixels(), indices[k] * n, out, k * n, n);
        }
        applyInPlace(out);
        return create(out, indices.length, data.spec(), manager);
    }

    /** [n, C, H, W] from already normalised values. */
    public static NDArray create(float[] values, int n, ImageSpec spec, NDManager manager) {
        return manager.create(values, new Shape(n, spec.channels(), spec.height(), spec.width()));
    }
}
