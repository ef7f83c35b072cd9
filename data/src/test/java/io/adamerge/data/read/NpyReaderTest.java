package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.Source;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {
    @TempDir
    Path tmp;

    /** A version-1 .npy file laid out as numpy.save writes it (header padded to a multiple of 64). */
    static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        b.put(data);
        return b.array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsDoublesAndBytes() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            d.putDouble(i * 0.5);
        }
        NpyReader.NpyArray a = NpyReader.read(write("f8.npy", npy("<f8", "(2, 3)", d.array())));
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.data()).containsExactly(0, 0.5, 1, 1.5, 2, 2.5);
        NpyReader.NpyArray u = NpyReader.read(write("u1.npy", npy("|u1", "(3,)", new byte[] {1, (byte) 200, 3})));
        assertThat(u.data()).containsExactly(1, 200, 3);
        NpyReader.NpyArray scalar = NpyReader.read(write("s.npy", npy("<i4", "()", new byte[] {7, 0, 0, 0})));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.data()).containsExactly(7);
    }

    @Test
    void badHeadersAreReported() throws IOException {
        Path magic = write("m.npy", "PK\u0003\u0004 not numpy".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> NpyReader.read(magic)).isInstanceOf(DataException.class).hasMessage(magic + ": not a .npy file (bad magic)");
        byte[] good = npy("<f8", "(1,)", new byte[8]);
        byte[] noShape = new String(good, StandardCharsets.ISO_8859_1).replace("'shape'", "'shapx'").getBytes(StandardCharsets.ISO_8859_1);
        Path h = write("h.npy", noShape);
        assertThatThrownBy(() -> NpyReader.read(h)).isInstanceOf(DataException.class).hasMessageContaining(h + ": malformed .npy header");
        Path type = write("c.npy", npy("<c16", "(1,)", new byte[16]));
        assertThatThrownBy(() -> NpyReader.read(type)).hasMessageContaining("element type 'c16' is not supported");
        Path fortran = write("fo.npy", new String(good, StandardCharsets.ISO_8859_1).replace("False", "True ")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> NpyReader.read(fortran)).hasMessageContaining("Fortran-order");
        byte[] shortHeader = java.util.Arrays.copyOf(good, 30);
        Path sh = write("sh.npy", shortHeader);
        assertThatThrownBy(() -> NpyReader.read(sh)).hasMessageContaining("truncated .npy header");
        Path version = write("v.npy", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0});
        assertThatThrownBy(() -> NpyReader.read(version)).hasMessageContaining("version 9 is not supported");
    }

    @Test
    void dataLengthMustMatchTheShape() throws IOException {
        Path p = write("short.npy", npy("<f8", "(2, 3)", new byte[40]));
        assertThatThrownBy(() -> NpyReader.read(p)).isInstanceOf(DataException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("needs 48 data bytes, the file holds 40");
    }

    @Test
    void realLfwSubsetHolds200ImagesOf25x25() {
        Path dir = TestData.require(Source.SKIMAGE).locate(Source.SKIMAGE);
        NpyReader.NpyArray a = NpyReader.read(dir.resolve("lfw_subset.npy"));
        System.out.println("skimage lfw_subset.npy: shape " + java.util.Arrays.toString(a.shape()));
        assertThat(a.shape()).containsExactly(200, 25, 25);
        assertThat(java.util.Arrays.stream(a.data()).boxed().toList()).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
    }
}
