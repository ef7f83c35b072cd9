package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.Source;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static final List<String> TEN = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @TempDir
    Path tmp;

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = tmp.resolve(name);
        if (gzip) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream g = new GZIPOutputStream(bos)) {
                g.write(bytes);
            }
            bytes = bos.toByteArray();
        }
        Files.write(p, bytes);
        return p;
    }

    private Path images(String name, int n, boolean gzip) throws IOException {
        byte[] px = new byte[n * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37);
        }
        return write(name, idx(0x08, new int[] {n, 2, 2}, px), gzip);
    }

    private Path labels(String name, int n) throws IOException {
        byte[] y = new byte[n];
        Arrays.fill(y, (byte) 3);
        return write(name, idx(0x08, new int[] {n}, y), false);
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        ImageDataset plain = IdxReader.read("p", images("img", 3, false), labels("lab", 3), TEN);
        ImageDataset gz = IdxReader.read("g", images("img.gz", 3, true), labels("lab2", 3), TEN);
        assertThat(plain.size()).isEqualTo(3);
        assertThat(plain.spec().height()).isEqualTo(2);
        assertThat(gz.pixels()).containsExactly(plain.pixels());
        assertThat(plain.pixels()[1]).isEqualTo((37 & 0xff) / 255f);
        assertThat(plain.labels()).containsOnly(3);
    }

    @Test
    void truncatedDataIsReportedWithTheFileAndByteCounts() throws IOException {
        byte[] full = idx(0x08, new int[] {3, 2, 2}, new byte[12]);
        Path p = write("cut.gz", Arrays.copyOf(full, full.length - 5), true);
        assertThatThrownBy(() -> IdxReader.read(p, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated")
                .hasMessageContaining("12").hasMessageContaining("7");
    }

    @Test
    void truncatedGzipStreamIsReported() throws IOException {
        Path whole = images("whole.gz", 50, true);
        byte[] bytes = Files.readAllBytes(whole);
        Path p = write("halfgz.gz", Arrays.copyOf(bytes, bytes.length / 2), false);
        assertThatThrownBy(() -> IdxReader.read(p, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated");
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        Path p = write("hdr", new byte[] {0, 0, 8, 3, 0, 0, 0, 1}, false);
        assertThatThrownBy(() -> IdxReader.read(p, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated IDX header");
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        Path p = write("png-not-idx", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0}, false);
        assertThatThrownBy(() -> IdxReader.read(p, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("magic");
    }

    @Test
    void unsupportedTypeAndRankAreReported() throws IOException {
        Path floats = write("f", idx(0x0D, new int[] {1, 1, 1}, new byte[4]), false);
        assertThatThrownBy(() -> IdxReader.read(floats, 3)).isInstanceOf(DataException.class).hasMessageContaining("0x0d");
        Path rank1 = labels("rank1", 4);
        assertThatThrownBy(() -> IdxReader.read(rank1, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining("1 dimensions, expected 3");
    }

    @Test
    void trailingBytesAreReported() throws IOException {
        Path p = write("long", idx(0x08, new int[] {1, 2, 2}, new byte[6]), false);
        assertThatThrownBy(() -> IdxReader.read(p, 3)).isInstanceOf(DataException.class).hasMessageContaining("2 bytes after");
    }

    @Test
    void labelCountDifferentFromImageCountIsReported() throws IOException {
        Path img = images("img4", 4, false);
        Path lab = labels("lab3", 3);
        assertThatThrownBy(() -> IdxReader.read("x", img, lab, TEN)).isInstanceOf(DataException.class)
                .hasMessageContaining(lab.toString()).hasMessageContaining("3 labels for the 4 images");
    }

    @Test
    void labelOutsideTheClassesIsReported() throws IOException {
        Path img = images("img1", 1, false);
        Path lab = write("lab-big", idx(0x08, new int[] {1}, new byte[] {12}), false);
        assertThatThrownBy(() -> IdxReader.read("x", img, lab, TEN)).isInstanceOf(DataException.class)
                .hasMessageContaining("label 12");
    }

    @Test
    void missingFileIsReported() {
        Path p = tmp.resolve("nope.gz");
        assertThatThrownBy(() -> IdxReader.read(p, 1)).isInstanceOf(DataException.class).hasMessage(p + ": no such file");
    }

    @Test
    void realFashionMnistHas60kAnd10kBalancedImages() {
        Path dir = TestData.require(Source.FASHION_MNIST).locate(Source.FASHION_MNIST);
        ImageDataset train = IdxReader.read("train", dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte.gz"), TEN);
        ImageDataset test = IdxReader.read("test", dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), TEN);
        System.out.println("Fashion-MNIST: train " + train.size() + ", test " + test.size());
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(train.spec().height()).isEqualTo(28);
        assertThat(train.classCounts()).containsOnly(6000);
        assertThat(test.classCounts()).containsOnly(1000);
    }
}
