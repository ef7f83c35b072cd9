package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.CheckpointException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipImageProcessorTest {
    private static final ClipImageProcessor P = ClipImageProcessor.forImageSize(16);

    private static float normalized(int value, int channel) {
        return (value / 255f - ClipImageProcessor.CLIP_MEAN[channel]) / ClipImageProcessor.CLIP_STD[channel];
    }

    @Test
    void grayscalePngBecomesThreeEqualChannels(@TempDir Path dir) throws IOException {
        BufferedImage gray = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setColor(new Color(128, 128, 128));
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        Path file = dir.resolve("gray.png");
        ImageIO.write(gray, "png", file.toFile());
        float[] out = P.load(file);
        assertThat(out).hasSize(3 * 16 * 16);
        for (int c = 0; c < 3; c++) {
            // the raw sample 128, not a gamma-converted value
            assertThat(out[c * 256 + 77]).isCloseTo(normalized(128, c), Offset.offset(1e-5f));
        }
    }

    @Test
    void shorterSideIsResizedThenCentreCropped() {
        // 64 wide, 32 high: left quarter black, the rest white; resized to 32x16, the crop keeps columns 8..23
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, x < 40 ? 0x000000 : 0xffffff);
            }
        }
        float[] out = P.process(img);
        // original column 40 maps to resized column 20, crop column 12
        assertThat(out[5 * 16]).isCloseTo(normalized(0, 0), Offset.offset(1e-5f));
        assertThat(out[5 * 16 + 9]).isCloseTo(normalized(0, 0), Offset.offset(1e-5f));
        assertThat(out[5 * 16 + 15]).isCloseTo(normalized(255, 0), Offset.offset(1e-5f));
        // bicubic overshoot is clamped to the 0..255 range
        for (int i = 0; i < out.length; i++) {
            int c = i / 256;
            assertThat(out[i]).isBetween(normalized(0, c) - 1e-4f, normalized(255, c) + 1e-4f);
        }
    }

    @Property(tries = 30)
    void constantImagesStayConstant(@ForAll @IntRange(min = 1, max = 90) int w, @ForAll @IntRange(min = 1, max = 90) int h,
                                    @ForAll @IntRange(min = 0, max = 0xffffff) int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, 0x80000000 | rgb); // half-transparent: alpha is dropped
            }
        }
        float[] out = P.process(img);
        int[] channel = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 256; i++) {
                assertThat(out[c * 256 + i]).isCloseTo(normalized(channel[c], c), Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void listsImagesSortedAndRejectsUnreadableFiles(@TempDir Path dir) throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(img, "png", dir.resolve("b.png").toFile());
        ImageIO.write(img, "jpg", dir.resolve("a.JPG").toFile());
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.writeString(dir.resolve("broken.png"), "not a png");
        assertThat(ClipImageProcessor.listImages(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("a.JPG", "b.png", "broken.png");
        assertThat(P.load(dir.resolve("a.JPG"))).hasSize(768);
        assertThatThrownBy(() -> P.load(dir.resolve("broken.png"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("broken.png");
    }
}
