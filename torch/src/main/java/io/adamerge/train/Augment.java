package io.adamerge.train;

import io.adamerge.data.ImageOps;

/** Label-preserving and label-making changes to [C, H, W] images, for pretraining. */
public final class Augment {
    private Augment() {
    }

    /**
     * Image {@code src[offset ..]} moved by {@code dx} columns and {@code dy} rows, written to {@code dst[dstOffset ..]};
     * uncovered pixels get {@code fill}.
     */
    public static void shift(float[] src, int offset, int channels, int height, int width, int dx, int dy, float fill,
                             float[] dst, int dstOffset) {
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = y - dy;
                for (int x = 0; x < width; x++) {
                    int sx = x - dx;
                    boolean inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    dst[dstOffset + plane + y * width + x] = inside ? src[offset + plane + sy * width + sx] : fill;
                }
            }
        }
    }

    /** A square [C, S, S] image turned {@code quarterTurns} × 90° clockwise, as a new array. */
    public static float[] rotate(float[] src, int offset, int channels, int side, int quarterTurns) {
        int turns = Math.floorMod(quarterTurns, 4);
        float[] img = java.util.Arrays.copyOfRange(src, offset, offset + channels * side * side);
        for (int t = 0; t < turns; t++) {
            img = ImageOps.rotate90(img, 0, channels, side, side);
        }
        return img;
    }
}
