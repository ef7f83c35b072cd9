package io.adamerge.data;

import java.util.Arrays;
import java.util.List;

/**
 * Labelled images in memory: {@code pixels} holds N images of shape [C, H, W], row-major, values in [0, 1];
 * {@code labels[i]} indexes {@code classNames}.
 */
public record ImageDataset(String name, ImageSpec spec, float[] pixels, int[] labels, List<String> classNames) {
    public ImageDataset {
        classNames = List.copyOf(classNames);
        if ((long) labels.length * spec.pixels() != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels need " + (long) labels.length * spec.pixels()
                    + " pixel values of " + spec + ", got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i + " is outside 0.."
                        + (classNames.size() - 1));
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** A copy of image {@code i}, [C, H, W]. */
    public float[] image(int i) {
        int n = spec.pixels();
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /** How many images each class has. */
    public int[] classCounts() {
        int[] counts = new int[classNames.size()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** The images at {@code indices}, in that order. */
    public ImageDataset subset(String newName, int[] indices) {
        int n = spec.pixels();
        float[] px = new float[indices.length * n];
        int[] lb = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * n, px, k * n, n);
            lb[k] = labels[indices[k]];
        }
        return new ImageDataset(newName, spec, px, lb, classNames);
    }

    /** This dataset brought to another shape (bilinear resampling, gray/RGB conversion); itself when already there. */
    public ImageDataset convert(ImageSpec target) {
        if (target.equals(spec)) {
            return this;
        }
        int n = size();
        float[] out = new float[n * target.pixels()];
        for (int i = 0; i < n; i++) {
            float[] img = ImageOps.convert(pixels, i * spec.pixels(), spec, target);
            System.arraycopy(img, 0, out, i * target.pixels(), img.length);
        }
        return new ImageDataset(name, target, out, labels.clone(), classNames);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageDataset d && name.equals(d.name) && spec.equals(d.spec) && Arrays.equals(pixels, d.pixels)
                && Arrays.equals(labels, d.labels) && classNames.equals(d.classNames);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(labels)) * 31 + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "ImageDataset[" + name + ", " + size() + " images " + spec + ", " + classNames.size() + " classes]";
    }
}
