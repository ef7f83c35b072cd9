package io.adamerge.data.corrupt;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageSpec;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The test-time corruptions of the AdaMerging paper's robustness study, after ImageNet-C (Hendrycks &amp; Dietterich,
 * 2019, package {@code imagenet_c}): the same parameter tables for severities 1..5, on [C, H, W] images in [0, 1]
 * of any size. Parameters measured in pixels of ImageNet-C's 224×224 images are scaled by {@code size / 224}
 * (motion blur), taken as fractions of the side (pixelate), or computed on a 224×224 grid and resampled to the
 * image (the spatter layer), so that a corruption covers the same share of an image at every size. Results are
 * clipped to [0, 1].
 */
public enum Corruption {
    /** x + N(0, σ²), σ = .08, .12, .18, .26, .38. */
    GAUSSIAN_NOISE("gaussian_noise") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double sigma = new double[] {.08, .12, .18, .26, .38}[severity - 1];
            float[] out = new float[image.length];
            for (int i = 0; i < image.length; i++) {
                out[i] = (float) (image[i] + sigma * rng.nextGaussian());
            }
            return out;
        }
    },
    /** Salt and pepper as skimage's {@code random_noise(mode='s&p')}: each value replaced with probability .03, .06, .09, .17, .27, half by 1, half by 0. */
    IMPULSE_NOISE("impulse_noise") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double amount = new double[] {.03, .06, .09, .17, .27}[severity - 1];
            float[] out = image.clone();
            for (int i = 0; i < out.length; i++) {
                if (rng.nextDouble() < amount) {
                    out[i] = rng.nextBoolean() ? 1f : 0f;
                }
            }
            return out;
        }
    },
    /**
     * ImageMagick's motion blur as ImageNet-C calls it (radius, σ) = (10, 3), (15, 5), (15, 8), (15, 12), (20, 15),
     * angle uniform in [−45°, 45°]: a one-sided kernel of 2⌈r⌉ + 1 taps with weights exp(−i²/2σ²) along the
     * angle, r and σ scaled to the image size; taps sampled bilinearly (at 28 px the shifts are fractions of a pixel).
     */
    MOTION_BLUR("motion_blur") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double[][] table = {{10, 3}, {15, 5}, {15, 8}, {15, 12}, {20, 15}};
            double scale = Math.min(spec.height(), spec.width()) / 224.0;
            double radius = table[severity - 1][0] * scale;
            double sigma = table[severity - 1][1] * scale;
            double angle = Math.toRadians(rng.nextDouble(-45, 45));
            int taps = 2 * (int) Math.ceil(radius) + 1;
            double[] w = new double[taps];
            double sum = 0;
            for (int i = 0; i < taps; i++) {
                w[i] = Math.exp(-(double) i * i / (2 * sigma * sigma));
                sum += w[i];
            }
            double dx = Math.cos(angle);
            double dy = Math.sin(angle);
            int h = spec.height();
            int wd = spec.width();
            float[] out = new float[image.length];
            for (int c = 0; c < spec.channels(); c++) {
                float[] plane = Arrays.copyOfRange(image, c * h * wd, (c + 1) * h * wd);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < wd; x++) {
                        double acc = 0;
                        for (int i = 0; i < taps; i++) {
                            acc += w[i] * Filters.bilinear(plane, h, wd, y + i * dy, x + i * dx);
                        }
                        out[c * h * wd + y * wd + x] = (float) (acc / sum);
                    }
                }
            }
            return out;
        }
    },
    /** Box-downsample each side to ⌊side · c⌋, c = .6, .5, .4, .3, .25, and box-upsample back (PIL's BOX filter both ways). */
    PIXELATE("pixelate") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double c = new double[] {.6, .5, .4, .3, .25}[severity - 1];
            int h = spec.height();
            int w = spec.width();
            int sh = Math.max(1, (int) (h * c));
            int sw = Math.max(1, (int) (w * c));
            float[] out = new float[image.length];
            for (int ch = 0; ch < spec.channels(); ch++) {
                float[] plane = Arrays.copyOfRange(image, ch * h * w, (ch + 1) * h * w);
                float[] up = Filters.boxResize(Filters.boxResize(plane, h, w, sh, sw), sh, sw, h, w);
                System.arraycopy(up, 0, out, ch * h * w, up.length);
            }
            return out;
        }
    },
    /**
     * ImageNet-C's spatter: a liquid layer N(μ, s²) on a 224×224 grid, Gaussian-blurred (σ in 224-grid pixels) and
     * thresholded; severities 1–3 add pale turquoise water (RGB 175, 238, 238) in proportion to the layer scaled to
     * a maximum of c₄, severities 4–5 paint opaque mud (RGB 63, 42, 20) where the blurred drop mask reaches 0.8.
     * The layer is area-resampled to the image. Simplified: ImageNet-C shades the water drops with a texture from
     * Canny edges and a distance transform; here the drop's own (thresholded) height shades it. Gray images get the
     * colours' luma (0.299 R + 0.587 G + 0.114 B).
     */
    SPATTER("spatter") {
        private static final int GRID = 224;

        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double[][] table = {{.65, .3, 4, .69, .6, 0}, {.65, .3, 3, .68, .6, 0}, {.65, .3, 2, .68, .5, 0},
                    {.65, .3, 1, .65, 1.5, 1}, {.67, .4, 1, .65, 1.5, 1}};
            double[] c = table[severity - 1];
            float[] liquid = new float[GRID * GRID];
            for (int i = 0; i < liquid.length; i++) {
                liquid[i] = (float) (c[0] + c[1] * rng.nextGaussian());
            }
            liquid = Filters.gaussianBlur(liquid, GRID, GRID, c[2]);
            for (int i = 0; i < liquid.length; i++) {
                if (liquid[i] < c[3]) {
                    liquid[i] = 0;
                }
            }
            boolean mud = c[5] == 1;
            float[] mask;
            if (!mud) {
                float max = 0;
                for (float v : liquid) {
                    max = Math.max(max, v);
                }
                mask = new float[liquid.length];
                if (max > 0) {
                    for (int i = 0; i < mask.length; i++) {
                        mask[i] = (float) (liquid[i] / max * c[4]);
                    }
                }
            } else {
                float[] drops = new float[liquid.length];
                for (int i = 0; i < drops.length; i++) {
                    drops[i] = liquid[i] > c[3] ? 1f : 0f;
                }
                mask = Filters.gaussianBlur(drops, GRID, GRID, c[4]);
                for (int i = 0; i < mask.length; i++) {
                    if (mask[i] < 0.8f) {
                        mask[i] = 0;
                    }
                }
            }
            int h = spec.height();
            int w = spec.width();
            float[] m = Filters.boxResize(mask, GRID, GRID, h, w);
            int[] rgb = mud ? new int[] {63, 42, 20} : new int[] {175, 238, 238};
            float[] out = new float[image.length];
            for (int ch = 0; ch < spec.channels(); ch++) {
                float colour = spec.channels() == 1 ? (float) ((0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255) : rgb[ch] / 255f;
                for (int i = 0; i < h * w; i++) {
                    float x = image[ch * h * w + i];
                    out[ch * h * w + i] = mud ? x * (1 - m[i]) + colour * m[i] : x + m[i] * colour;
                }
            }
            return out;
        }
    },
    /** (x − mean) · c + mean per channel, c = .4, .3, .2, .1, .05. */
    CONTRAST("contrast") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            double c = new double[] {.4, .3, .2, .1, .05}[severity - 1];
            int plane = spec.height() * spec.width();
            float[] out = new float[image.length];
            for (int ch = 0; ch < spec.channels(); ch++) {
                double mean = 0;
                for (int i = 0; i < plane; i++) {
                    mean += image[ch * plane + i];
                }
                mean /= plane;
                for (int i = 0; i < plane; i++) {
                    out[ch * plane + i] = (float) ((image[ch * plane + i] - mean) * c + mean);
                }
            }
            return out;
        }
    },
    /** A real JPEG encode and decode (javax.imageio, 8-bit gray or RGB) at IJG quality 25, 18, 15, 10, 7. */
    JPEG("jpeg_compression") {
        @Override
        float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
            return jpegRoundTrip(image, spec, JPEG_QUALITY[severity - 1]);
        }
    };

    /** ImageNet-C's JPEG qualities for severities 1..5. */
    static final int[] JPEG_QUALITY = {25, 18, 15, 10, 7};
    public static final int MAX_SEVERITY = 5;

    private final String id;

    Corruption(String id) {
        this.id = id;
    }

    /** The ImageNet-C name ({@code gaussian_noise}, ..., {@code jpeg_compression}). */
    public String id() {
        return id;
    }

    /** By ImageNet-C name or enum name, case-insensitive; {@code jpeg} is accepted for {@code jpeg_compression}. */
    public static Corruption parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Corruption c : values()) {
            if (c.id.equals(n) || c.name().toLowerCase(Locale.ROOT).equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown corruption '" + name + "'; known: "
                + Arrays.stream(values()).map(Corruption::id).toList());
    }

    /**
     * One corrupted copy of {@code image} ([C, H, W], values in [0, 1]), clipped to [0, 1].
     *
     * @throws IllegalArgumentException for a severity outside 1..5 or an image of the wrong length
     */
    public float[] apply(float[] image, ImageSpec spec, int severity, RandomGenerator rng) {
        checkSeverity(severity);
        if (image.length != spec.pixels()) {
            throw new IllegalArgumentException(id + ": image has " + image.length + " values, " + spec + " needs " + spec.pixels());
        }
        float[] out = corrupt(image, spec, severity, rng);
        for (int i = 0; i < out.length; i++) {
            float v = out[i];
            out[i] = v < 0 ? 0 : (v > 1 ? 1 : v);
        }
        return out;
    }

    abstract float[] corrupt(float[] image, ImageSpec spec, int severity, RandomGenerator rng);

    static void checkSeverity(int severity) {
        if (severity < 1 || severity > MAX_SEVERITY) {
            throw new IllegalArgumentException("corruption severity must be 1.." + MAX_SEVERITY + " (ImageNet-C levels), got " + severity);
        }
    }

    static float[] jpegRoundTrip(float[] image, ImageSpec spec, int quality) {
        int h = spec.height();
        int w = spec.width();
        int plane = h * w;
        boolean gray = spec.channels() == 1;
        BufferedImage img = new BufferedImage(w, h, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < spec.channels(); c++) {
                    float v = Math.max(0f, Math.min(1f, image[c * plane + y * w + x]));
                    raster.setSample(x, y, c, Math.round(v * 255f));
                }
            }
        }
        byte[] bytes;
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream buffer = new ByteArrayOutputStream();
             MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(buffer)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            // javax.imageio maps quality q to the IJG scaling of the standard tables, as libjpeg's quality q·100
            param.setCompressionQuality(quality / 100f);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(img, null, null), param);
            stream.flush();
            bytes = buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding of a " + spec + " image failed: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG decoding of a " + spec + " image failed: " + e.getMessage(), e);
        }
        if (decoded == null || decoded.getWidth() != w || decoded.getHeight() != h) {
            throw new DataException("JPEG round trip of a " + spec + " image did not decode to " + w + "x" + h);
        }
        float[] out = new float[image.length];
        var r = decoded.getRaster();
        if (r.getNumBands() < spec.channels()) {
            throw new DataException("JPEG round trip decoded " + r.getNumBands() + " bands for " + spec);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < spec.channels(); c++) {
                    out[c * plane + y * w + x] = r.getSample(x, y, c) / 255f;
                }
            }
        }
        return out;
    }
}
