package io.adamerge.data.text.read;

import io.adamerge.data.text.TextExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * WordNet 3.0 {@code data.noun} / {@code data.verb} files (wndb(5WN)): after the licence lines (which start with two
 * spaces), one synset a line: {@code offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr... [frames] | gloss}.
 * Each synset becomes one example: its gloss, labelled with its lexicographer file (lexnames(5WN)) without the part
 * of speech, e.g. {@code artifact} for {@code noun.artifact}; the group is the synset's offset.
 */
public final class WordNetReader {
    private WordNetReader() {
    }

    /** The 45 lexicographer files, numbered as in WordNet 3.0's lexnames(5WN). */
    public static final List<String> LEXNAMES = List.of("adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act",
            "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition", "noun.communication",
            "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
            "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity",
            "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
            "verb.cognition", "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
            "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
            "verb.stative", "verb.weather", "adj.ppl");

    /** One synset: offset, lexicographer file, synset type, first word, gloss. */
    public record Synset(long offset, String lexname, char type, String firstWord, String gloss) {
        /** The lexname without its part of speech ({@code noun.animal} → {@code animal}). */
        public String supersense() {
            return lexname.substring(lexname.indexOf('.') + 1);
        }
    }

    /** Every synset of a data file. */
    public static List<Synset> synsets(Path file, byte[] bytes) {
        String text = TextFiles.utf8(file, bytes);
        List<Synset> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty() || line.startsWith("  ")) {
                continue; // licence header
            }
            out.add(parse(file, lineNo, line));
        }
        return out;
    }

    private static Synset parse(Path file, int lineNo, String line) {
        String where = "line " + lineNo;
        int bar = line.indexOf(" | ");
        String head = bar < 0 ? line : line.substring(0, bar);
        String gloss = bar < 0 ? "" : line.substring(bar + 3).strip();
        String[] f = head.strip().split(" +");
        if (f.length < 6) {
            throw new TextFormatException(file, where, "a synset line needs offset, lex_filenum, ss_type, w_cnt and a word; got '"
                    + abbreviate(line) + "'");
        }
        if (!f[0].matches("\\d{8}")) {
            throw new TextFormatException(file, where, "synset offset '" + abbreviate(f[0]) + "' is not 8 digits");
        }
        if (!f[1].matches("\\d{2}") || Integer.parseInt(f[1]) >= LEXNAMES.size()) {
            throw new TextFormatException(file, where, "lex_filenum '" + abbreviate(f[1]) + "' is not 00.."
                    + (LEXNAMES.size() - 1));
        }
        if (!f[2].matches("[nvasr]")) {
            throw new TextFormatException(file, where, "ss_type '" + abbreviate(f[2]) + "' is not one of n v a s r");
        }
        if (!f[3].matches("[0-9a-fA-F]{2}") || Integer.parseInt(f[3], 16) == 0) {
            throw new TextFormatException(file, where, "w_cnt '" + abbreviate(f[3]) + "' is not a 2-digit hex count > 0");
        }
        if (gloss.isEmpty()) {
            throw new TextFormatException(file, where, "no gloss (' | ' followed by text)");
        }
        return new Synset(Long.parseLong(f[0]), LEXNAMES.get(Integer.parseInt(f[1])), f[2].charAt(0), f[4].replace('_', ' '), gloss);
    }

    /** The synsets as examples: gloss → supersense, grouped by synset. */
    public static List<TextExample> examples(Path file, byte[] bytes) {
        return synsets(file, bytes).stream()
                .map(s -> new TextExample(s.gloss(), s.supersense(), file.getFileName() + ":" + s.offset())).toList();
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
