package io.adamerge.cli.study;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.data.corrupt.Corruptions;
import java.awt.image.BufferedImage;
import java.util.List;

/** The one figure of the studies that is an image rather than a chart: the corruption grid. */
final class CorruptionGrid {
    private CorruptionGrid() {
    }

    /**
     * One image under every corruption and severity: a row per corruption (in {@link Corruption} order), the clean
     * image in the first column, severities 1..5 after it; pixels enlarged {@code zoom} times, gray gaps between cells.
     */
    static BufferedImage of(ImageDataset oneImage, List<Corruption> corruptions, long seed, int zoom) {
        int h = oneImage.spec().height();
        int w = oneImage.spec().width();
        int gap = 4;
        int cols = 1 + Corruption.MAX_SEVERITY;
        BufferedImage img = new BufferedImage(cols * (w * zoom + gap) + gap, corruptions.size() * (h * zoom + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        for (int row = 0; row < corruptions.size(); row++) {
            for (int col = 0; col < cols; col++) {
                ImageDataset d = col == 0 ? oneImage : Corruptions.corrupt(oneImage, corruptions.get(row), col, seed);
                paint(img, d.image(0), d.spec().channels(), h, w, gap + col * (w * zoom + gap), gap + row * (h * zoom + gap), zoom);
            }
        }
        return img;
    }

    private static void paint(BufferedImage img, float[] px, int channels, int h, int w, int x0, int y0, int zoom) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    float v = px[(channels == 1 ? 0 : c) * h * w + y * w + x];
                    rgb = (rgb << 8) | Math.round(Math.max(0, Math.min(1, v)) * 255);
                }
                for (int dy = 0; dy < zoom; dy++) {
                    for (int dx = 0; dx < zoom; dx++) {
                        img.setRGB(x0 + x * zoom + dx, y0 + y * zoom + dy, rgb);
                    }
                }
            }
        }
    }
}
