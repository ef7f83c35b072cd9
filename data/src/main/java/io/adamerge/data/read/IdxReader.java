package io.adamerge.data.read;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (gzipped or not): a 4-byte magic {@code 0 0 type ndim},
 * ndim big-endian int32 dimensions, then unsigned bytes. Only the unsigned-byte type (0x08) is used by these
 * datasets and accepted.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /** Dimensions and raw unsigned bytes of one IDX file. */
    public record IdxArray(Path file, int[] dims, byte[] data, int dataOffset) {
        public int count() {
            return dims[0];
        }
    }

    /** Reads an IDX file of unsigned bytes and checks its magic, rank and exact length. */
    public static IdxArray read(Path file, int expectedRank) {
        byte[] bytes = Compressed.readAll(file);
        if (bytes.length < 4) {
            throw new DataException(file, "too short for an IDX header (" + bytes.length + " bytes)");
        }
        if (bytes[0] != 0 || bytes[1] != 0) {
            throw new DataException(file, String.format("not an IDX file: magic starts with 0x%02x%02x, expected 0x0000",
                    bytes[0] & 0xff, bytes[1] & 0xff));
        }
        int type = bytes[2] & 0xff;
        int rank = bytes[3] & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new DataException(file, String.format("IDX element type 0x%02x is not supported (only unsigned bytes, 0x08)", type));
        }
        if (rank != expectedRank) {
            throw new DataException(file, "IDX array has " + rank + " dimensions, expected " + expectedRank);
        }
        int headerLength = 4 + 4 * rank;
        if (bytes.length < headerLength) {
            throw new DataException(file, "truncated IDX header: " + bytes.length + " bytes, the dimensions need " + headerLength);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes); // IDX is big-endian, ByteBuffer's default
        int[] dims = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = b.getInt(4 + 4 * i);
            if (dims[i] < 0) {
                throw new DataException(file, "negative IDX dimension " + dims[i]);
            }
            expected *= dims[i];
        }
        long actual = bytes.length - headerLength;
        if (actual < expected) {
            throw new DataException(file, "truncated: the header declares " + expected + " data bytes, the file holds " + actual);
        }
        if (actual > expected) {
            throw new DataException(file, (actual - expected) + " bytes after the " + expected + " data bytes the header declares");
        }
        return new IdxArray(file, dims, bytes, headerLength);
    }

    /** Reads an image file (rank 3) and a label file (rank 1) as one dataset of 1-channel images. */
    public static ImageDataset read(String name, Path images, Path labels, List<String> classNames) {
        IdxArray img = read(images, 3);
        IdxArray lab = read(labels, 1);
        if (img.count() != lab.count()) {
            throw new DataException(labels, lab.count() + " labels for the " + img.count() + " images of " + images);
        }
        int h = img.dims()[1];
        int w = img.dims()[2];
        float[] pixels = new float[img.count() * h * w];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (img.data()[img.dataOffset() + i] & 0xff) / 255f;
        }
        int[] y = new int[lab.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = lab.data()[lab.dataOffset() + i] & 0xff;
            if (y[i] >= classNames.size()) {
                throw new DataException(labels, "label " + y[i] + " at index " + i + " is outside 0.." + (classNames.size() - 1));
            }
        }
        return new ImageDataset(name, new ImageSpec(1, h, w), pixels, y, classNames);
    }
}
