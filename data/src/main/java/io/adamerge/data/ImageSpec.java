package io.adamerge.data;

/** The shape every image of a dataset is brought to: channels (1 = grayscale, 3 = RGB), height, width. */
public record ImageSpec(int channels, int height, int width) {
    public static final ImageSpec MNIST = new ImageSpec(1, 28, 28);

    public ImageSpec {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
    }

    public int pixels() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
