package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.SourceData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir
    Path root;

    private void image(String relative, int w, int h, int argb, String format) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(w, h, format.equals("png") ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, argb);
            }
        }
        assertThat(ImageIO.write(img, format, p.toFile())).isTrue();
    }

    @Test
    void classesAreSubfoldersInNameOrder() throws IOException {
        image("dog/a.png", 10, 10, 0xff000000, "png");
        image("cat/x.jpg", 12, 8, 0xffffffff, "jpg");
        image("cat/nested/y.png", 5, 5, 0xff000000, "png");
        Files.writeString(root.resolve("cat/readme.txt"), "not an image");
        ImageDataset d = ImageFolderReader.read("pets", root, new ImageSpec(1, 4, 4), 1f);
        assertThat(d.classNames()).containsExactly("cat", "dog");
        assertThat(d.labels()).containsExactly(0, 0, 1);
        assertThat(d.image(2)).containsOnly(0f); // black dog picture
    }

    @Test
    void transparencyIsCompositedOverTheBackgroundAndAspectIsKept() throws IOException {
        image("c/clear.png", 6, 6, 0x00000000, "png");
        image("c/wide.png", 8, 2, 0xff000000, "png");
        ImageDataset d = ImageFolderReader.read("t", root, new ImageSpec(1, 8, 8), 1f);
        for (float v : d.image(0)) {
            assertThat(v).isCloseTo(1f, within(1e-6f));
        }
        float[] wide = d.image(1);
        assertThat(wide[0]).isCloseTo(1f, within(1e-6f)); // padding above the 8x2 strip
        assertThat(wide[4 * 8 + 4]).isCloseTo(0f, within(1e-6f)); // the strip itself, centred
    }

    @Test
    void emptyClassFolderIsAnError() throws IOException {
        image("full/a.png", 3, 3, 0xff000000, "png");
        Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> ImageFolderReader.scan(root)).isInstanceOf(DataException.class)
                .hasMessage(root.resolve("empty") + ": class folder holds no .png/.jpg/.jpeg image");
    }

    @Test
    void rootWithoutClassFoldersIsAnError() throws IOException {
        assertThatThrownBy(() -> ImageFolderReader.scan(root)).isInstanceOf(DataException.class)
                .hasMessageContaining("no class folders");
        assertThatThrownBy(() -> ImageFolderReader.scan(root.resolve("missing"))).hasMessageContaining("no such folder");
        Path file = Files.writeString(root.resolve("f.txt"), "x");
        assertThatThrownBy(() -> ImageFolderReader.scan(file)).hasMessageContaining("not a folder");
    }

    @Test
    void corruptImageIsReportedByName() throws IOException {
        image("a/good.png", 3, 3, 0xff000000, "png");
        Path bad = root.resolve("a/bad.png");
        byte[] good = Files.readAllBytes(root.resolve("a/good.png"));
        Files.write(bad, java.util.Arrays.copyOf(good, 20));
        assertThatThrownBy(() -> ImageFolderReader.read("x", root, ImageSpec.MNIST, 1f)).isInstanceOf(DataException.class)
                .hasMessageContaining(bad.toString());
        Files.writeString(bad, "plain text");
        assertThatThrownBy(() -> ImageFolderReader.read("x", root, ImageSpec.MNIST, 1f)).isInstanceOf(DataException.class)
                .hasMessageContaining(bad + ": not a readable PNG or JPEG image");
    }

    @Test
    void realOpenclipartCategoriesHold1687DistinctImages() {
        SourceData data = new SourceData(TestData.require(Source.OPENCLIPART));
        Map<String, List<Path>> files = data.clipartFiles();
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        files.forEach((k, v) -> counts.put(k, v.size()));
        System.out.println("openclipart categories: " + counts);
        assertThat(files.keySet()).containsExactlyElementsOf(SourceData.CLIPART_CATEGORIES);
        // 1,900 files, 213 of them byte-identical copies (174 pictures filed twice)
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1687);
        // decode the first image of each category at two shapes
        for (List<Path> fs : files.values()) {
            float[] gray = ImageFolderReader.decode(fs.get(0), ImageSpec.MNIST, 1f);
            float[] rgb = ImageFolderReader.decode(fs.get(0), new ImageSpec(3, 32, 32), 1f);
            assertThat(gray).hasSize(784);
            for (float v : gray) {
                assertThat(v).isBetween(0f, 1f);
            }
            assertThat(rgb).hasSize(3 * 32 * 32);
        }
    }
}
