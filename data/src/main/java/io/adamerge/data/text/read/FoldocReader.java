package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FOLDOC entries (dictd format): after the headword line(s), the definition starts with its domains in angle
 * brackets, {@code <programming, humour>}. The example is the definition after the domains (dates such as
 * {@code (2014-11-27)}, bracketed references and cross-reference braces removed), labelled with the first domain;
 * its group is the headword.
 */
public final class FoldocReader {
    private static final Pattern DOMAINS = Pattern.compile("(?m)^\\s*<([a-z][a-z \\-]{0,30})(?:,[^>\\n]{0,80})?>");

    private FoldocReader() {
    }

    /** The labelled definitions of all entries. */
    public static List<TextExample> definitions(List<DictdReader.Entry> entries) {
        List<TextExample> out = new ArrayList<>();
        for (DictdReader.Entry e : entries) {
            Matcher m = DOMAINS.matcher(e.body());
            if (!m.find()) {
                continue;
            }
            String text = TextFiles.squeeze(e.body().substring(m.end())
                    .replaceAll("\\(\\d{4}-\\d{2}-\\d{2}\\)", " ")
                    .replaceAll("\\[[^\\]]*\\]", " ")
                    .replaceAll("[{}]", ""));
            if (!text.isEmpty()) {
                out.add(new TextExample(text, m.group(1).strip(), e.headword().toLowerCase(Locale.ROOT)));
            }
        }
        return out;
    }
}
