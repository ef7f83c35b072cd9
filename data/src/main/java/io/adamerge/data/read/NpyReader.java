package io.adamerge.data.read;

import io.adamerge.data.DataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} arrays (format versions 1–3, C order) of floating, integer or boolean elements,
 * converted to doubles.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /** A C-order array: its shape and its elements as doubles. */
    public record NpyArray(Path file, long[] shape, double[] data) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    public static NpyArray read(Path file) {
        byte[] bytes = Compressed.readAll(file);
        if (bytes.length < 10) {
            throw new DataException(file, "too short for a .npy header (" + bytes.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new DataException(file, "not a .npy file (bad magic)");
            }
        }
        int major = bytes[6] & 0xff;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new DataException(file, "truncated .npy header");
            }
            headerLength = b.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new DataException(file, ".npy format version " + major + " is not supported (1, 2 or 3)");
        }
        if (headerStart + headerLength > bytes.length) {
            throw new DataException(file, "truncated .npy header: it declares " + headerLength + " bytes, the file has "
                    + (bytes.length - headerStart));
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeMatch.find()) {
            throw new DataException(file, "malformed .npy header (needs 'descr', 'fortran_order' and 'shape'): " + header.strip());
        }
        if (fortran.group(1).equals("True")) {
            throw new DataException(file, "Fortran-order arrays are not supported");
        }
        long[] shape = parseShape(file, shapeMatch.group(1));
        char kind = descr.group(2).charAt(0);
        int size = Integer.parseInt(descr.group(3));
        ByteOrder order = descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        int dataStart = (int) (headerStart + headerLength);
        long available = bytes.length - dataStart;
        if (available != count * size) {
            throw new DataException(file, "shape " + java.util.Arrays.toString(shape) + " of " + descr.group(2) + size + " needs "
                    + count * size + " data bytes, the file holds " + available);
        }
        ByteBuffer d = ByteBuffer.wrap(bytes, dataStart, (int) available).slice().order(order);
        double[] out = new double[(int) count];
        for (int i = 0; i < out.length; i++) {
            out[i] = element(file, d, i, kind, size);
        }
        return new NpyArray(file, shape, out);
    }

    private static double element(Path file, ByteBuffer d, int i, char kind, int size) {
        return switch (kind) {
            case 'f' -> switch (size) {
                case 8 -> d.getDouble(i * 8);
                case 4 -> d.getFloat(i * 4);
                default -> throw unsupported(file, kind, size);
            };
            case 'i' -> switch (size) {
                case 8 -> d.getLong(i * 8);
                case 4 -> d.getInt(i * 4);
                case 2 -> d.getShort(i * 2);
                case 1 -> d.get(i);
                default -> throw unsupported(file, kind, size);
            };
            case 'u' -> switch (size) {
                case 4 -> d.getInt(i * 4) & 0xffffffffL;
                case 2 -> d.getShort(i * 2) & 0xffff;
                case 1 -> d.get(i) & 0xff;
                default -> throw unsupported(file, kind, size);
            };
            case 'b' -> {
                if (size != 1) {
                    throw unsupported(file, kind, size);
                }
                yield d.get(i) != 0 ? 1 : 0;
            }
            default -> throw unsupported(file, kind, size);
        };
    }

    private static DataException unsupported(Path file, char kind, int size) {
        return new DataException(file, ".npy element type '" + kind + size + "' is not supported");
    }

    private static long[] parseShape(Path file, String text) {
        String[] parts = text.split(",");
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (String p : parts) {
            String s = p.trim();
            if (s.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new DataException(file, "malformed .npy shape (" + text + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
