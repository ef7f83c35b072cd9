package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Senses of GCIDE (Webster 1913) entries that carry a domain label such as {@code (Zool.)} or {@code (Law)}: a
 * paragraph (senses are separated by blank lines) that starts with the label, optionally after the sense number
 * ({@code 3. (Arch.)}), or an entry whose header line ends with it. The example is the sense's text after the label,
 * without source tags ({@code [1913 Webster]}), bracketed notes, citations ({@code --Shak.}) and cross-reference
 * braces; its label is the domain without the dot ({@code Zool}); its group is the entry's headword (lower case),
 * so the senses of one word never straddle splits.
 */
public final class GcideReader {
    private static final Pattern AT_START = Pattern.compile("\\A\\s*(?:\\d+\\.\\s*)?\\(([A-Z][a-z]{1,15})\\.?\\)");
    private static final Pattern END_OF_LINE = Pattern.compile("\\(([A-Z][a-z]{1,15})\\.?\\)[ \\t]*\\n");

    private static final Pattern SOURCE_TAG = Pattern.compile("(?m)^\\s*\\[[^\\]\\n]*\\]\\s*$");
    private static final Pattern CITATION = Pattern.compile("--[A-Z][^\\n]*");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\]]*\\]");
    private static final Pattern BRACES = Pattern.compile("[{}]");
    private static final Pattern PRONUNCIATION = Pattern.compile("\\\\[^\\\\\\n]*\\\\");

    private GcideReader() {
    }

    /** The labelled senses of all entries. */
    public static List<TextExample> senses(List<DictdReader.Entry> entries) {
        List<TextExample> out = new ArrayList<>();
        for (DictdReader.Entry e : entries) {
            out.addAll(senses(e));
        }
        return out;
    }

    /** The labelled senses of one entry. */
    public static List<TextExample> senses(DictdReader.Entry entry) {
        List<TextExample> out = new ArrayList<>();
        String group = entry.headword().toLowerCase(Locale.ROOT);
        String[] paragraphs = entry.body().replace("\r\n", "\n").split("\n[ \t]*\n");
        for (int k = 0; k < paragraphs.length; k++) {
            String p = paragraphs[k];
            Matcher m = AT_START.matcher(p);
            boolean found = m.find();
            if (!found && k == 0) {
                m = END_OF_LINE.matcher(p);
                found = m.find();
            }
            if (!found) {
                continue;
            }
            String text = cleanSense(p.substring(m.end()));
            if (!text.isEmpty()) {
                out.add(new TextExample(text, m.group(1), group));
            }
        }
        return out;
    }

    /** A sense's text without the dictionary's apparatus. */
    static String cleanSense(String s) {
        String t = SOURCE_TAG.matcher(s).replaceAll(" "); // source tags on their own line
        t = CITATION.matcher(t).replaceAll(" "); // citations of authors
        t = BRACKETS.matcher(t).replaceAll(" "); // [Obs.], [R.], etymologies
        t = BRACES.matcher(t).replaceAll("");
        t = PRONUNCIATION.matcher(t).replaceAll(" "); // \\pro*nun"ci*a`tion\\
        return TextFiles.squeeze(t);
    }

    /** Reads the dictd files and returns their labelled senses. */
    public static List<TextExample> read(Path index, byte[] indexBytes, Path data, byte[] dataBytes) {
        return senses(DictdReader.entries(index, indexBytes, data, dataBytes));
    }
}
