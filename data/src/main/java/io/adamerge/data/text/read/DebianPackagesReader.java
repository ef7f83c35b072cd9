package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Debian archive indexes in deb822 form (deb822(5)): paragraphs separated by blank lines, {@code Field: value} lines
 * with continuation lines starting with a space or tab. {@code Packages} gives each binary package's
 * {@code Section}, short {@code Description}, {@code Description-md5} and {@code Source}; {@code Translation-en}
 * gives the long description ({@code Description-en}) by package and md5. An example is the short plus the long
 * description ({@code " ."} paragraph breaks dropped), labelled with the Section; packages outside main
 * ({@code contrib/games}) are left out; the group is the source package, so binary packages of one source (which
 * often share wording) never straddle splits. A package listed twice (e.g. in bookworm and bookworm-security) counts
 * once.
 */
public final class DebianPackagesReader {
    private DebianPackagesReader() {
    }

    /** One parsed index file. */
    public record IndexFile(Path path, byte[] bytes) {
    }

    /**
     * The paragraphs of a deb822 file, each as field → value (continuation lines joined with {@code \n}); only
     * {@code keep} fields are stored (all when null). Field names are case-insensitive in deb822; they are kept as
     * written.
     */
    public static List<Map<String, String>> paragraphs(Path file, byte[] bytes, Set<String> keep) {
        String text = TextFiles.utf8(file, bytes);
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String field = null;
        StringBuilder value = null;
        int lineNo = 0;
        int start = 0;
        int n = text.length();
        while (start <= n) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            String line = text.substring(start, end);
            start = end + 1;
            lineNo++;
            if (line.isBlank()) {
                if (field != null) {
                    store(current, field, value, keep);
                    field = null;
                }
                if (!current.isEmpty() || lineNo == 1) {
                    if (!current.isEmpty()) {
                        out.add(current);
                    }
                    current = new LinkedHashMap<>();
                }
                if (end == n) {
                    break;
                }
                continue;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (field == null) {
                    throw new TextFormatException(file, "line " + lineNo, "continuation line outside a field");
                }
                value.append('\n').append(line.substring(1));
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0 || line.substring(0, colon).contains(" ")) {
                    throw new TextFormatException(file, "line " + lineNo, "expected 'Field: value', got '"
                            + WordNetReader.abbreviate(line) + "'");
                }
                if (field != null) {
                    store(current, field, value, keep);
                }
                field = line.substring(0, colon);
                value = new StringBuilder(line.substring(colon + 1).strip());
            }
            if (end == n) {
                break;
            }
        }
        if (field != null) {
            store(current, field, value, keep);
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static void store(Map<String, String> p, String field, StringBuilder value, Set<String> keep) {
        if (keep == null || keep.contains(field)) {
            p.put(field, value.toString());
        }
    }

    private static final Set<String> PACKAGE_FIELDS = Set.of("Package", "Section", "Description", "Description-md5", "Source");
    private static final Set<String> TRANSLATION_FIELDS = Set.of("Package", "Description-md5", "Description-en");

    /** Labelled descriptions of every main package of {@code packages} with a long description in {@code translations}. */
    public static List<TextExample> read(List<IndexFile> packages, List<IndexFile> translations) {
        Map<String, String> longDescriptions = new HashMap<>();
        for (IndexFile f : translations) {
            int k = 0;
            for (Map<String, String> p : paragraphs(f.path(), f.bytes(), TRANSLATION_FIELDS)) {
                k++;
                String pkg = require(f.path(), k, p, "Package");
                String md5 = require(f.path(), k, p, "Description-md5");
                String desc = require(f.path(), k, p, "Description-en");
                longDescriptions.putIfAbsent(pkg + "/" + md5, desc);
            }
        }
        List<TextExample> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (IndexFile f : packages) {
            int k = 0;
            for (Map<String, String> p : paragraphs(f.path(), f.bytes(), PACKAGE_FIELDS)) {
                k++;
                String pkg = require(f.path(), k, p, "Package");
                String section = p.get("Section");
                if (section == null || section.contains("/") || !seen.add(pkg)) {
                    continue;
                }
                String md5 = p.get("Description-md5");
                String full = md5 == null ? null : longDescriptions.get(pkg + "/" + md5);
                if (full == null) {
                    full = p.get("Description"); // an index with inline long descriptions
                }
                if (full == null) {
                    continue;
                }
                String source = p.getOrDefault("Source", pkg).split(" ")[0];
                out.add(new TextExample(descriptionText(full), section, source.isEmpty() ? pkg : source));
            }
        }
        return out;
    }

    /** The short line, then the long description's lines, with {@code .} paragraph breaks dropped. */
    static String descriptionText(String description) {
        StringBuilder sb = new StringBuilder();
        String[] lines = description.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.equals(".")) {
                continue;
            }
            sb.append(l);
            if (i == 0 && !l.endsWith(".")) {
                sb.append('.');
            }
            sb.append(' ');
        }
        return TextFiles.squeeze(sb.toString());
    }

    private static String require(Path file, int paragraph, Map<String, String> p, String field) {
        String v = p.get(field);
        if (v == null) {
            throw new TextFormatException(file, "paragraph " + paragraph, "no " + field + " field");
        }
        return v;
    }
}
