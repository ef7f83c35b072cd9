package io.adamerge.data;

import java.awt.image.BufferedImage;

/** Pixel operations on [C, H, W] float images with values in [0, 1]. */
public final class ImageOps {
    private ImageOps() {
    }

    /**
     * Resamples one channel plane with a triangle (bilinear) filter whose support widens with the
     * downscale factor, as PIL's BILINEAR resize does: plain bilinear interpolation (half-pixel centres)
     * when enlarging, an antialiased average when shrinking.
     */
    public static float[] resize(float[] src, int srcOffset, int height, int width, int newHeight, int newWidth) {
        float[] rows = new float[height * newWidth];
        Filter fx = Filter.of(width, newWidth);
        for (int y = 0; y < height; y++) {
            fx.apply(src, srcOffset + y * width, 1, rows, y * newWidth, 1);
        }
        float[] out = new float[newHeight * newWidth];
        Filter fy = Filter.of(height, newHeight);
        for (int x = 0; x < newWidth; x++) {
            fy.apply(rows, x, newWidth, out, x, newWidth);
        }
        return out;
    }

    /** Precomputed weights of a 1-D triangle-filter resampling from {@code in} to {@code out} samples. */
    private record Filter(int[] start, float[][] weights) {
        static Filter of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;
            int[] start = new int[out];
            float[][] weights = new float[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(in, (int) Math.ceil(center + support));
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int x = lo; x < hi; x++) {
                    double t = Math.abs((x + 0.5 - center) / filterScale);
                    w[x - lo] = Math.max(0.0, 1.0 - t);
                    sum += w[x - lo];
                }
                start[i] = lo;
                weights[i] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[i][k] = (float) (w[k] / sum);
                }
            }
            return new Filter(start, weights);
        }

        void apply(float[] src, int srcOffset, int srcStride, float[] dst, int dstOffset, int dstStride) {
            for (int i = 0; i < start.length; i++) {
                float[] w = weights[i];
                int base = srcOffset + start[i] * srcStride;
                float acc = 0;
                for (int k = 0; k < w.length; k++) {
                    acc += w[k] * src[base + k * srcStride];
                }
                dst[dstOffset + i * dstStride] = acc;
            }
        }
    }

    /** One image at {@code offset} of {@code src}, shaped {@code from}, brought to {@code to}. */
    public static float[] convert(float[] src, int offset, ImageSpec from, ImageSpec to) {
        float[] img = new float[from.pixels()];
        System.arraycopy(src, offset, img, 0, img.length);
        ImageSpec cur = from;
        if (to.channels() < cur.channels()) {
            img = toGray(img, cur.height(), cur.width());
            cur = new ImageSpec(1, cur.height(), cur.width());
        }
        if (cur.height() != to.height() || cur.width() != to.width()) {
            int plane = cur.height() * cur.width();
            float[] out = new float[cur.channels() * to.height() * to.width()];
            for (int c = 0; c < cur.channels(); c++) {
                float[] r = resize(img, c * plane, cur.height(), cur.width(), to.height(), to.width());
                System.arraycopy(r, 0, out, c * r.length, r.length);
            }
            clamp01(out); // normalised weights can overshoot 1 by a rounding error
            img = out;
            cur = new ImageSpec(cur.channels(), to.height(), to.width());
        }
        if (to.channels() > cur.channels()) {
            int plane = cur.height() * cur.width();
            float[] out = new float[3 * plane];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(img, 0, out, c * plane, plane);
            }
            img = out;
        }
        return img;
    }

    /** ITU-R 601 luma of an RGB [3, H, W] image, as PIL's "L" conversion computes it. */
    public static float[] toGray(float[] rgb, int height, int width) {
        int plane = height * width;
        float[] gray = new float[plane];
        for (int i = 0; i < plane; i++) {
            gray[i] = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
        }
        return gray;
    }

    /** Rotates a [C, H, W] image by 90 degrees clockwise; the result is [C, W, H]. */
    public static float[] rotate90(float[] img, int offset, int channels, int height, int width) {
        float[] out = new float[channels * height * width];
        for (int c = 0; c < channels; c++) {
            int base = offset + c * height * width;
            int outBase = c * height * width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    // row y becomes column (height - 1 - y)
                    out[outBase + x * height + (height - 1 - y)] = img[base + y * width + x];
                }
            }
        }
        return out;
    }

    /**
     * A decoded picture as an RGB [3, S, S] float image, S = max(height, width): transparent pixels are
     * composited over {@code background} and the picture is centred on a square of that colour, so that
     * resizing keeps its aspect ratio.
     */
    public static float[] squareRgb(BufferedImage image, float background) {
        int h = image.getHeight();
        int w = image.getWidth();
        int s = Math.max(h, w);
        int plane = s * s;
        float[] out = new float[3 * plane];
        java.util.Arrays.fill(out, background);
        int top = (s - h) / 2;
        int left = (s - w) / 2;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                float a = (argb >>> 24) / 255f;
                int idx = (top + y) * s + left + x;
                out[idx] = a * ((argb >> 16) & 0xff) / 255f + (1 - a) * background;
                out[plane + idx] = a * ((argb >> 8) & 0xff) / 255f + (1 - a) * background;
                out[2 * plane + idx] = a * (argb & 0xff) / 255f + (1 - a) * background;
            }
        }
        return out;
    }

    /** Clamps every value into [0, 1] in place. */
    public static void clamp01(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.min(1f, Math.max(0f, values[i]));
        }
    }
}
