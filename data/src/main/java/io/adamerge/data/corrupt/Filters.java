package io.adamerge.data.corrupt;

/** Single-plane filters the corruptions are built from; planes are row-major [height, width] floats. */
final class Filters {
    private Filters() {
    }

    /**
     * Box (area) resampling as PIL's BOX filter: each output pixel is the mean of the input area it covers,
     * input pixels weighted by their overlap with it. Works both ways (shrinking averages, enlarging repeats).
     */
    static float[] boxResize(float[] plane, int height, int width, int newHeight, int newWidth) {
        float[] rows = new float[height * newWidth];
        for (int y = 0; y < height; y++) {
            box1d(plane, y * width, 1, width, rows, y * newWidth, 1, newWidth);
        }
        float[] out = new float[newHeight * newWidth];
        for (int x = 0; x < newWidth; x++) {
            box1d(rows, x, newWidth, height, out, x, newWidth, newHeight);
        }
        return out;
    }

    private static void box1d(float[] src, int srcOff, int srcStride, int in, float[] dst, int dstOff, int dstStride, int out) {
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double lo = i * scale;
            double hi = (i + 1) * scale;
            double acc = 0;
            double weight = 0;
            for (int x = (int) Math.floor(lo); x < Math.min(in, (int) Math.ceil(hi)); x++) {
                double w = Math.min(hi, x + 1) - Math.max(lo, x);
                if (w > 0) {
                    acc += w * src[srcOff + x * srcStride];
                    weight += w;
                }
            }
            dst[dstOff + i * dstStride] = (float) (acc / weight);
        }
    }

    /** Separable Gaussian blur, kernel truncated at 4σ (as skimage's {@code gaussian}), edges reflected (scipy's "nearest" mode). */
    static float[] gaussianBlur(float[] plane, int height, int width, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(4 * sigma));
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        float[] tmp = new float[plane.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double acc = 0;
                for (int i = -radius; i <= radius; i++) {
                    acc += k[i + radius] * plane[y * width + clamp(x + i, width)];
                }
                tmp[y * width + x] = (float) acc;
            }
        }
        float[] out = new float[plane.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double acc = 0;
                for (int i = -radius; i <= radius; i++) {
                    acc += k[i + radius] * tmp[clamp(y + i, height) * width + x];
                }
                out[y * width + x] = (float) acc;
            }
        }
        return out;
    }

    /** The value at (y, x) with bilinear interpolation, coordinates clamped to the plane (edge pixels repeat). */
    static float bilinear(float[] plane, int height, int width, double y, double x) {
        y = Math.max(0, Math.min(height - 1, y));
        x = Math.max(0, Math.min(width - 1, x));
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        int y1 = Math.min(height - 1, y0 + 1);
        int x1 = Math.min(width - 1, x0 + 1);
        double fy = y - y0;
        double fx = x - x0;
        double top = plane[y0 * width + x0] * (1 - fx) + plane[y0 * width + x1] * fx;
        double bottom = plane[y1 * width + x0] * (1 - fx) + plane[y1 * width + x1] * fx;
        return (float) (top * (1 - fy) + bottom * fy);
    }

    static int clamp(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }
}
