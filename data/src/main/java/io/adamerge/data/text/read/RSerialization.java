package io.adamerge.data.text.read;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A minimal reader of R's XDR serialization format (R Internals §1.8, the format of {@code .rds} files and lazy-load
 * databases): enough for data made of vectors — character, integer, logical, double, raw and generic vectors,
 * pairlists, symbols, references — with their attributes. Environments, closures, byte code and external pointers
 * are refused with a clear error. Every length is checked against the bytes left and nesting is bounded, so garbage
 * gives a {@link TextFormatException}, never an out-of-memory error or a stack overflow.
 */
public final class RSerialization {
    static final int NILSXP = 0;
    static final int SYMSXP = 1;
    static final int LISTSXP = 2;
    static final int LANGSXP = 6;
    static final int CHARSXP = 9;
    static final int LGLSXP = 10;
    static final int INTSXP = 13;
    static final int REALSXP = 14;
    static final int CPLXSXP = 15;
    static final int STRSXP = 16;
    static final int VECSXP = 19;
    static final int EXPRSXP = 20;
    static final int RAWSXP = 24;
    static final int REFSXP = 255;
    static final int NILVALUE_SXP = 254;
    static final int GLOBALENV_SXP = 253;
    static final int UNBOUNDVALUE_SXP = 252;
    static final int MISSINGARG_SXP = 251;
    static final int BASENAMESPACE_SXP = 247;
    static final int EMPTYENV_SXP = 242;
    static final int BASEENV_SXP = 241;
    private static final int MAX_DEPTH = 256;

    private RSerialization() {
    }

    /**
     * An R value: its SEXP type, its data (String[] for character vectors with null for NA, int[] for integer and
     * logical, double[] for double, byte[] for raw, List of RValue for generic vectors and pairlists, String for
     * symbols and CHARSXPs) and its attributes by name (pairlist tags, in order).
     */
    public record RValue(int type, Object data, Map<String, RValue> attributes, List<String> tags) {
        /** The value of attribute {@code names} as strings, or null. */
        public String[] names() {
            RValue n = attributes.get("names");
            return n != null && n.data() instanceof String[] s ? s : null;
        }

        @SuppressWarnings("unchecked")
        public List<RValue> elements() {
            return data instanceof List<?> l ? (List<RValue>) l : List.of();
        }
    }

    /** Unserializes an XDR stream ({@code X\n} header, format version 2 or 3). */
    public static RValue unserialize(Path file, byte[] bytes) {
        Reader r = new Reader(file, bytes);
        if (bytes.length < 2 || bytes[0] != 'X' || bytes[1] != '\n') {
            throw new TextFormatException(file, "byte 0", "not an R XDR serialization (no 'X\\n' header)");
        }
        r.pos = 2;
        int version = r.readInt();
        if (version != 2 && version != 3) {
            throw new TextFormatException(file, "byte 2", "serialization format version " + version + " (2 or 3 expected)");
        }
        r.readInt(); // R version that wrote it
        r.readInt(); // minimal R version to read it
        if (version == 3) {
            int n = r.readInt();
            r.need(n, "native encoding name");
            r.pos += n;
        }
        return r.item(0);
    }

    /**
     * The serialized bytes of one object of a lazy-load database ({@code .rdb}): at {@code offset}, a 4-byte
     * big-endian uncompressed length then a zlib stream of {@code length - 4} bytes (R's compression type 1).
     */
    public static byte[] lazyLoadEntry(Path file, byte[] rdb, long offset, long length) {
        String where = "entry at byte " + offset;
        if (offset < 0 || length < 5 || offset + length > rdb.length) {
            throw new TextFormatException(file, where, "spans bytes " + offset + ".." + (offset + length) + " of " + rdb.length);
        }
        int o = (int) offset;
        long expected = ByteBuffer.wrap(rdb, o, 4).getInt() & 0xffffffffL;
        if (expected > 1L << 30) {
            throw new TextFormatException(file, where, "claims " + expected + " uncompressed bytes");
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(rdb, o + 4, (int) length - 4);
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(expected, 1 << 20));
            byte[] buf = new byte[1 << 16];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new TextFormatException(file, where, "zlib stream is truncated (R compression types 2 and 3, "
                            + "bzip2 and xz, are not supported)");
                }
                out.write(buf, 0, n);
                if (out.size() > expected) {
                    break;
                }
            }
            if (out.size() != expected) {
                throw new TextFormatException(file, where, "inflates to " + out.size() + " bytes, the header says " + expected);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new TextFormatException(file, where, "corrupt zlib data (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
    }

    private static final class Reader {
        final Path file;
        final byte[] b;
        int pos;
        final List<RValue> refs = new ArrayList<>();

        Reader(Path file, byte[] b) {
            this.file = file;
            this.b = b;
        }

        TextFormatException error(String problem) {
            return new TextFormatException(file, "byte " + pos, problem);
        }

        void need(long n, String what) {
            if (n < 0 || n > b.length - pos) {
                throw error(what + " needs " + n + " bytes, " + (b.length - pos) + " left");
            }
        }

        int readInt() {
            need(4, "an integer");
            int v = ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        int readLength() {
            int n = readInt();
            if (n == -1) {
                long upper = readInt() & 0xffffffffL;
                long lower = readInt() & 0xffffffffL;
                long len = (upper << 32) | lower;
                if (len > Integer.MAX_VALUE) {
                    throw error("long vector of " + len + " elements");
                }
                n = (int) len;
            }
            if (n < 0) {
                throw error("negative length " + n);
            }
            return n;
        }

        RValue item(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("objects nested deeper than " + MAX_DEPTH);
            }
            int start = pos;
            int flags = readInt();
            int type = flags & 0xff;
            boolean hasAttr = (flags & (1 << 9)) != 0;
            boolean hasTag = (flags & (1 << 10)) != 0;
            int levels = flags >>> 12;
            switch (type) {
                case NILVALUE_SXP, GLOBALENV_SXP, UNBOUNDVALUE_SXP, MISSINGARG_SXP, BASENAMESPACE_SXP, EMPTYENV_SXP,
                        BASEENV_SXP -> {
                    return new RValue(type, null, Map.of(), List.of());
                }
                case REFSXP -> {
                    int index = flags >>> 8;
                    if (index == 0) {
                        index = readInt();
                    }
                    if (index < 1 || index > refs.size()) {
                        throw error("reference " + index + " to one of " + refs.size() + " earlier objects");
                    }
                    return refs.get(index - 1);
                }
                case SYMSXP -> {
                    RValue name = item(depth + 1);
                    if (name.type() != CHARSXP) {
                        throw error("a symbol's name is of type " + name.type() + ", not a CHARSXP");
                    }
                    RValue sym = new RValue(SYMSXP, name.data(), Map.of(), List.of());
                    refs.add(sym);
                    return sym;
                }
                case LISTSXP, LANGSXP -> {
                    // a pairlist, read iteratively along its CDRs
                    List<RValue> values = new ArrayList<>();
                    List<String> tags = new ArrayList<>();
                    Map<String, RValue> attributes = Map.of();
                    int f = flags;
                    while (true) {
                        if ((f & (1 << 9)) != 0) {
                            RValue a = item(depth + 1);
                            if (values.isEmpty()) {
                                attributes = attributes(a);
                            }
                        }
                        String tag = null;
                        if ((f & (1 << 10)) != 0) {
                            RValue t = item(depth + 1);
                            tag = t.data() instanceof String s ? s : null;
                        }
                        tags.add(tag);
                        values.add(item(depth + 1));
                        int next = peekInt();
                        int nextType = next & 0xff;
                        if (nextType == LISTSXP || nextType == LANGSXP) {
                            pos += 4;
                            f = next;
                            if (values.size() > b.length) {
                                throw error("pairlist longer than the data");
                            }
                            continue;
                        }
                        RValue tail = item(depth + 1);
                        if (tail.type() != NILVALUE_SXP && tail.type() != NILSXP) {
                            values.add(tail); // a dotted pair's last CDR
                            tags.add(null);
                        }
                        return new RValue(type, values, attributes, tags);
                    }
                }
                case CHARSXP -> {
                    int n = readInt();
                    if (n == -1) {
                        return new RValue(CHARSXP, null, Map.of(), List.of());
                    }
                    need(n, "a string");
                    boolean latin1 = (levels & 4) != 0;
                    String s = new String(b, pos, n, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
                    pos += n;
                    return new RValue(CHARSXP, s, Map.of(), List.of());
                }
                case STRSXP -> {
                    int n = readLength();
                    need(4L * n, "a character vector of " + n);
                    String[] s = new String[n];
                    for (int i = 0; i < n; i++) {
                        RValue c = item(depth + 1);
                        if (c.type() != CHARSXP) {
                            throw error("element " + i + " of a character vector is of type " + c.type());
                        }
                        s[i] = (String) c.data();
                    }
                    return withAttributes(STRSXP, s, hasAttr, depth);
                }
                case LGLSXP, INTSXP -> {
                    int n = readLength();
                    need(4L * n, "an integer vector of " + n);
                    int[] v = new int[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = readInt();
                    }
                    return withAttributes(type, v, hasAttr, depth);
                }
                case REALSXP, CPLXSXP -> {
                    int n = readLength();
                    long count = type == CPLXSXP ? 2L * n : n;
                    need(8 * count, "a double vector of " + count);
                    double[] v = new double[(int) count];
                    ByteBuffer buf = ByteBuffer.wrap(b, pos, (int) (8 * count));
                    for (int i = 0; i < count; i++) {
                        v[i] = buf.getDouble();
                    }
                    pos += (int) (8 * count);
                    return withAttributes(type, v, hasAttr, depth);
                }
                case RAWSXP -> {
                    int n = readLength();
                    need(n, "a raw vector");
                    byte[] v = java.util.Arrays.copyOfRange(b, pos, pos + n);
                    pos += n;
                    return withAttributes(RAWSXP, v, hasAttr, depth);
                }
                case VECSXP, EXPRSXP -> {
                    int n = readLength();
                    need(4L * n, "a list of " + n);
                    List<RValue> v = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        v.add(item(depth + 1));
                    }
                    return withAttributes(type, v, hasAttr, depth);
                }
                default -> {
                    pos = start;
                    throw error("SEXP type " + type + " is not supported (only vectors, pairlists and symbols are)");
                }
            }
        }

        int peekInt() {
            need(4, "an integer");
            int v = readInt();
            pos -= 4;
            return v;
        }

        RValue withAttributes(int type, Object data, boolean hasAttr, int depth) {
            Map<String, RValue> attrs = hasAttr ? attributes(item(depth + 1)) : Map.of();
            return new RValue(type, data, attrs, List.of());
        }

        Map<String, RValue> attributes(RValue pairlist) {
            if (pairlist.type() != LISTSXP) {
                throw error("attributes are of type " + pairlist.type() + ", not a pairlist");
            }
            Map<String, RValue> m = new LinkedHashMap<>();
            List<RValue> values = pairlist.elements();
            for (int i = 0; i < values.size(); i++) {
                String tag = pairlist.tags().get(i);
                if (tag != null) {
                    m.put(tag, values.get(i));
                }
            }
            return m;
        }
    }
}
