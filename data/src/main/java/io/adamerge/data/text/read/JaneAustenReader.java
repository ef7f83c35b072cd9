package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jane Austen's novels from r-cran-janeaustenr's lazy-load database: {@code Rdata.rdx} (a gzip'd R serialization
 * of a list whose {@code variables} element maps each object's name to its offset and length in {@code Rdata.rdb})
 * and {@code Rdata.rdb} (each object zlib-compressed). Each novel is a character vector, one line of text an
 * element. Examples are runs of whole paragraphs of at least {@value #MIN_WORDS} words within a chapter, labelled
 * with the novel; the group is the chapter, so splits are by chapter.
 */
public final class JaneAustenReader {
    static final int MIN_WORDS = 40;

    private JaneAustenReader() {
    }

    /** Object name → (offset, length) in the .rdb, from the .rdx's {@code variables}. */
    public static Map<String, long[]> index(Path rdx, byte[] rdxBytes) {
        RSerialization.RValue root = RSerialization.unserialize(rdx, TextFiles.gunzipIfNeeded(rdx, rdxBytes));
        String[] names = root.names();
        if (root.type() != RSerialization.VECSXP || names == null) {
            throw new TextFormatException(rdx, "top level", "not a named list (a lazy-load index is one)");
        }
        int k = java.util.Arrays.asList(names).indexOf("variables");
        if (k < 0 || k >= root.elements().size()) {
            throw new TextFormatException(rdx, "top level", "no 'variables' element");
        }
        RSerialization.RValue vars = root.elements().get(k);
        String[] varNames = vars.names();
        if (varNames == null || vars.elements().size() != varNames.length) {
            throw new TextFormatException(rdx, "variables", "not a named list");
        }
        Map<String, long[]> out = new LinkedHashMap<>();
        for (int i = 0; i < varNames.length; i++) {
            RSerialization.RValue v = vars.elements().get(i);
            if (!(v.data() instanceof int[] ol) || ol.length != 2) {
                throw new TextFormatException(rdx, "variables$" + varNames[i], "not an (offset, length) integer pair");
            }
            out.put(varNames[i], new long[] {ol[0], ol[1]});
        }
        return out;
    }

    /** Each object of the database that is a character vector, by name. */
    public static Map<String, String[]> novels(Path rdx, byte[] rdxBytes, Path rdb, byte[] rdbBytes) {
        Map<String, String[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : index(rdx, rdxBytes).entrySet()) {
            byte[] raw = RSerialization.lazyLoadEntry(rdb, rdbBytes, e.getValue()[0], e.getValue()[1]);
            RSerialization.RValue v = RSerialization.unserialize(rdb, raw);
            if (v.data() instanceof String[] lines) {
                out.put(e.getKey(), lines);
            }
        }
        return out;
    }

    /** The examples of one novel: runs of paragraphs per chapter (text before the first chapter heading is skipped). */
    public static List<TextExample> passages(String novel, String[] lines) {
        List<TextExample> out = new ArrayList<>();
        int chapter = 0;
        StringBuilder run = new StringBuilder();
        int words = 0;
        StringBuilder paragraph = new StringBuilder();
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length && lines[i] != null ? lines[i].strip() : "";
            if (i < lines.length && line.matches("(?i)chapter\\s+([ivxlc]+|\\d+)\\.?")) {
                run.setLength(0);
                words = 0;
                paragraph.setLength(0);
                chapter++;
                continue;
            }
            if (!line.isEmpty()) {
                paragraph.append(line).append(' ');
                continue;
            }
            if (paragraph.length() > 0 && chapter > 0) {
                run.append(paragraph);
                words += paragraph.toString().strip().split("\\s+").length;
                if (words >= MIN_WORDS) {
                    out.add(new TextExample(TextFiles.squeeze(run.toString()), novel, novel + "/" + chapter));
                    run.setLength(0);
                    words = 0;
                }
            }
            paragraph.setLength(0);
        }
        return out;
    }
}
