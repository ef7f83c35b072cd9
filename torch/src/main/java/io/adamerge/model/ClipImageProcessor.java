package io.adamerge.model;

import io.adamerge.checkpoint.CheckpointException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * CLIP's image preprocessing ({@code CLIPImageProcessor}): resize so the shorter side is {@code size} with
 * bicubic resampling (antialiased when shrinking, like PIL's {@code BICUBIC}), center-crop to
 * {@code cropSize}, scale to [0, 1] and normalise with CLIP's per-channel mean and std. Grayscale images are
 * replicated to three channels; alpha is dropped. Unlike PIL, intermediate values are not rounded to 8 bits.
 */
public record ClipImageProcessor(int size, int cropSize, float[] mean, float[] std) {
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** The extensions {@link #listImages} picks up (formats ImageIO reads without plugins). */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "wbmp");

    public ClipImageProcessor {
        if (size <= 0 || cropSize <= 0 || cropSize > size) {
            throw new IllegalArgumentException("need 0 < crop size (" + cropSize + ") <= resize (" + size + ")");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need three channels");
        }
    }

    /** CLIP's processor for a model of this input resolution. */
    public static ClipImageProcessor forImageSize(int imageSize) {
        return new ClipImageProcessor(imageSize, imageSize, CLIP_MEAN, CLIP_STD);
    }

    /** Image files directly in {@code dir}, sorted by name. */
    public static List<Path> listImages(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
            }).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list images (" + e.getMessage() + ")", e);
        }
    }

    /** Reads and preprocesses one image file: [3, crop, crop] values, channel-major. */
    public float[] load(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new CheckpointException(file + ": not an image format this JVM can read (PNG, JPEG, BMP, GIF, TIFF)");
        }
        return process(image);
    }

    /** Preprocesses an image: [3, crop, crop] values, channel-major. */
    public float[] process(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        float[][] planes = rgbPlanes(image);
        // shorter side to `size`, the longer scaled alike (truncated, as transformers does)
        int nw;
        int nh;
        if (w <= h) {
            nw = size;
            nh = Math.max(size, (int) ((long) size * h / w));
        } else {
            nh = size;
            nw = Math.max(size, (int) ((long) size * w / h));
        }
        int top = (nh - cropSize) / 2;
        int left = (nw - cropSize) / 2;
        float[] out = new float[3 * cropSize * cropSize];
        for (int c = 0; c < 3; c++) {
            float[] resized = resize(planes[c], w, h, nw, nh);
            int base = c * cropSize * cropSize;
            for (int y = 0; y < cropSize; y++) {
                for (int x = 0; x < cropSize; x++) {
                    float v = resized[(top + y) * nw + left + x] / 255f;
                    out[base + y * cropSize + x] = (v - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /** Three planes of 0..255 values; a gray image's one channel is read directly (no colour-space conversion) and copied. */
    static float[][] rgbPlanes(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        float[][] planes = new float[3][w * h];
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = image.getRaster();
            double scale = 255.0 / ((1L << image.getColorModel().getComponentSize(0)) - 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) (r.getSample(x, y, 0) * scale);
                    planes[0][y * w + x] = v;
                    planes[1][y * w + x] = v;
                    planes[2][y * w + x] = v;
                }
            }
            return planes;
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
            planes[0][i] = (argb[i] >> 16) & 0xff;
            planes[1][i] = (argb[i] >> 8) & 0xff;
            planes[2][i] = argb[i] & 0xff;
        }
        return planes;
    }

    /** Separable bicubic resampling (a = −0.5, kernel widened by the scale when shrinking), clamped to 0..255. */
    static float[] resize(float[] src, int w, int h, int nw, int nh) {
        float[] horizontal = new float[nw * h];
        Kernel kx = new Kernel(w, nw);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < nw; x++) {
                double s = 0;
                for (int k = 0; k < kx.count[x]; k++) {
                    s += kx.weights[x][k] * src[y * w + kx.start[x] + k];
                }
                horizontal[y * nw + x] = (float) s;
            }
        }
        float[] out = new float[nw * nh];
        Kernel ky = new Kernel(h, nh);
        for (int y = 0; y < nh; y++) {
            for (int x = 0; x < nw; x++) {
                double s = 0;
                for (int k = 0; k < ky.count[y]; k++) {
                    s += ky.weights[y][k] * horizontal[(ky.start[y] + k) * nw + x];
                }
                out[y * nw + x] = (float) Math.max(0, Math.min(255, s));
            }
        }
        return out;
    }

    /** Per-output-pixel taps of the bicubic filter along one axis. */
    private static final class Kernel {
        final int[] start;
        final int[] count;
        final double[][] weights;

        Kernel(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = 2.0 * filterScale;
            start = new int[out];
            count = new int[out];
            weights = new double[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support + 0.5));
                int hi = Math.min(in, (int) Math.floor(center + support + 0.5));
                double[] wts = new double[hi - lo];
                double total = 0;
                for (int j = lo; j < hi; j++) {
                    double v = cubic((j - center + 0.5) / filterScale);
                    wts[j - lo] = v;
                    total += v;
                }
                for (int k = 0; k < wts.length; k++) {
                    wts[k] = total == 0 ? 0 : wts[k] / total;
                }
                start[i] = lo;
                count[i] = wts.length;
                weights[i] = wts;
            }
        }

        private static double cubic(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            if (x < 2) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0;
        }
    }
}
