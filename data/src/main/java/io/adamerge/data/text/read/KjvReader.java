package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The King James Bible as bible-kjv's program prints it ({@code kjv.txt}, written at fetch time): a line
 * {@code Book C} opens chapter C, then one line {@code "  V text"} per verse. Each verse is an example labelled with
 * the section of its book ({@link #SECTIONS}); its group is the chapter, so splits are by chapter.
 */
public final class KjvReader {
    /** The eight sections and the books (in canonical order) each holds. */
    public static final Map<String, List<String>> SECTIONS = new java.util.LinkedHashMap<>();

    static {
        SECTIONS.put("law", List.of("Genesis", "Exodus", "Leviticus", "Numbers", "Deuteronomy"));
        SECTIONS.put("history", List.of("Joshua", "Judges", "Ruth", "1 Samuel", "2 Samuel", "1 Kings", "2 Kings",
                "1 Chronicles", "2 Chronicles", "Ezra", "Nehemiah", "Esther"));
        SECTIONS.put("wisdom", List.of("Job", "Psalms", "Proverbs", "Ecclesiastes", "Song of Solomon"));
        SECTIONS.put("major-prophets", List.of("Isaiah", "Jeremiah", "Lamentations", "Ezekiel", "Daniel"));
        SECTIONS.put("minor-prophets", List.of("Hosea", "Joel", "Amos", "Obadiah", "Jonah", "Micah", "Nahum", "Habakkuk",
                "Zephaniah", "Haggai", "Zechariah", "Malachi"));
        SECTIONS.put("gospels-acts", List.of("Matthew", "Mark", "Luke", "John", "Acts"));
        SECTIONS.put("pauline-epistles", List.of("Romans", "1 Corinthians", "2 Corinthians", "Galatians", "Ephesians",
                "Philippians", "Colossians", "1 Thessalonians", "2 Thessalonians", "1 Timothy", "2 Timothy", "Titus",
                "Philemon"));
        SECTIONS.put("general-epistles-revelation", List.of("Hebrews", "James", "1 Peter", "2 Peter", "1 John", "2 John",
                "3 John", "Jude", "Revelation"));
    }

    private static final Map<String, String> SECTION_OF_BOOK = new HashMap<>();

    static {
        SECTIONS.forEach((section, books) -> books.forEach(b -> SECTION_OF_BOOK.put(b, section)));
    }

    private KjvReader() {
    }

    /** Every verse of the text, labelled with its section and grouped by chapter. */
    public static List<TextExample> verses(Path file, byte[] bytes) {
        List<TextExample> out = new ArrayList<>();
        String chapter = null;
        String section = null;
        int lineNo = 0;
        for (String line : TextFiles.utf8(file, bytes).split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith(" ")) {
                if (chapter == null) {
                    throw new TextFormatException(file, "line " + lineNo, "a verse before any 'Book chapter' line");
                }
                String v = line.strip();
                int space = v.indexOf(' ');
                if (space <= 0 || !v.substring(0, space).matches("\\d{1,3}")) {
                    throw new TextFormatException(file, "line " + lineNo, "expected '  N verse text', got '"
                            + WordNetReader.abbreviate(line) + "'");
                }
                out.add(new TextExample(v.substring(space + 1), section, chapter));
            } else {
                int space = line.lastIndexOf(' ');
                String book = space < 0 ? line : line.substring(0, space);
                section = SECTION_OF_BOOK.get(book);
                if (section == null || !line.substring(space + 1).matches("\\d{1,3}")) {
                    throw new TextFormatException(file, "line " + lineNo, "expected 'Book chapter' with one of the 66 books, got '"
                            + WordNetReader.abbreviate(line) + "'");
                }
                chapter = line.strip();
            }
        }
        return out;
    }
}
