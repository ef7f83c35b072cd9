package io.adamerge.data.text.read;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * dictd databases (dictd(8)): an index of {@code headword TAB offset TAB length} lines, offset and length in
 * dictd's base-64 digits ({@code A-Za-z0-9+/}, most significant first), into a data file that is plain or
 * dictzip'd (a gzip file, read whole). The {@code 00-database-*} entries are metadata and skipped; headwords sharing
 * one stretch of data give one entry (the first headword). Entries are UTF-8; the few that are not (GCIDE has
 * some Latin-1 bytes) are read as Latin-1.
 */
public final class DictdReader {
    private static final String DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private DictdReader() {
    }

    /** One dictionary entry: its headword and its text. */
    public record Entry(String headword, String body) {
    }

    /** The entries of a database in index order; {@code data} is the data file's bytes (gzip'd or not). */
    public static List<Entry> entries(Path indexFile, byte[] index, Path dataFile, byte[] data) {
        byte[] plain = TextFiles.gunzipIfNeeded(dataFile, data);
        String text = TextFiles.utf8(indexFile, index);
        List<Entry> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + lineNo;
            String[] f = line.split("\t", -1);
            if (f.length != 3) {
                throw new TextFormatException(indexFile, where, "expected 'headword<TAB>offset<TAB>length', got "
                        + f.length + " field(s)");
            }
            long offset = decode(indexFile, where, f[1]);
            long length = decode(indexFile, where, f[2]);
            if (offset + length > plain.length) {
                throw new TextFormatException(indexFile, where, "entry '" + WordNetReader.abbreviate(f[0]) + "' spans bytes "
                        + offset + ".." + (offset + length) + " but " + dataFile.getFileName() + " has " + plain.length);
            }
            if (f[0].startsWith("00-database") || f[0].startsWith("00database") || !seen.add(offset)) {
                continue;
            }
            byte[] slice = java.util.Arrays.copyOfRange(plain, (int) offset, (int) (offset + length));
            String body;
            try {
                body = TextFiles.utf8(dataFile, slice);
            } catch (TextFormatException e) {
                body = new String(slice, StandardCharsets.ISO_8859_1); // GCIDE has a few Latin-1 entries among UTF-8
            }
            out.add(new Entry(f[0], body));
        }
        return out;
    }

    /** A dictd base-64 number. */
    static long decode(Path file, String where, String digits) {
        if (digits.isEmpty() || digits.length() > 8) {
            throw new TextFormatException(file, where, "'" + WordNetReader.abbreviate(digits) + "' is not a dictd base-64 number");
        }
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = DIGITS.indexOf(digits.charAt(i));
            if (d < 0) {
                throw new TextFormatException(file, where, "'" + WordNetReader.abbreviate(digits) + "' is not a dictd base-64 number");
            }
            v = v * 64 + d;
        }
        return v;
    }

    /** Encodes {@code v} in dictd's base-64 digits (for writing test fixtures). */
    public static String encode(long v) {
        if (v == 0) {
            return "A";
        }
        StringBuilder sb = new StringBuilder();
        while (v > 0) {
            sb.append(DIGITS.charAt((int) (v % 64)));
            v /= 64;
        }
        return sb.reverse().toString();
    }

    /** Builds an index line for an entry of {@code body} placed at {@code offset} bytes (for test fixtures). */
    public static String indexLine(String headword, long offset, String body) {
        return headword + "\t" + encode(offset) + "\t" + encode(body.getBytes(StandardCharsets.UTF_8).length);
    }
}
