package io.adamerge.data.text.corrupt;

import io.adamerge.data.text.TextDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Applies {@link TextCorruption}s, deterministically for a seed. Text is handled as Unicode code points (never split
 * inside a surrogate pair). Every eligible position draws its random numbers whatever the severity and is hit when
 * its uniform draw falls below the severity's rate, so the positions hit at one severity are a subset of those hit
 * at the next: the damage grows with the severity text by text, not only on average.
 */
public final class TextCorruptions {
    private TextCorruptions() {
    }

    private static final String[] QWERTY = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};

    /** OCR look-alikes: one code point to one or two. */
    private static final Map<Integer, String> OCR_SINGLE = Map.ofEntries(
            Map.entry((int) 'l', "1"), Map.entry((int) 'I', "l"), Map.entry((int) 'i', "l"), Map.entry((int) 'O', "0"),
            Map.entry((int) 'o', "0"), Map.entry((int) '0', "O"), Map.entry((int) '1', "l"), Map.entry((int) 'S', "5"),
            Map.entry((int) 's', "5"), Map.entry((int) 'B', "8"), Map.entry((int) 'Z', "2"), Map.entry((int) 'z', "2"),
            Map.entry((int) 'g', "9"), Map.entry((int) 'e', "c"), Map.entry((int) 'c', "e"), Map.entry((int) 'a', "o"),
            Map.entry((int) 'u', "v"), Map.entry((int) 'v', "u"), Map.entry((int) 'h', "b"), Map.entry((int) 'n', "h"),
            Map.entry((int) 'm', "rn"), Map.entry((int) 'w', "vv"), Map.entry((int) 'd', "cl"), Map.entry((int) 'E', "F"),
            Map.entry((int) 'G', "C"), Map.entry((int) 'D', "O"), Map.entry((int) 't', "f"), Map.entry((int) 'f', "t"));

    /** {@code text} corrupted by {@code corruption} at {@code severity} (0 = unchanged) with randomness fixed by {@code seed}. */
    public static String corrupt(String text, TextCorruption corruption, int severity, long seed) {
        TextCorruption.checkSeverity(severity);
        if (severity == 0 || text.isEmpty()) {
            return text;
        }
        double rate = corruption.rate(severity);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + corruption.ordinal() * 0xBF58476D1CE4E5B9L + 1);
        int[] cps = text.codePoints().toArray();
        StringBuilder out = new StringBuilder(text.length() + 8);
        switch (corruption) {
            case KEYBOARD_TYPO -> {
                for (int cp : cps) {
                    double u = rng.nextDouble();
                    int pick = rng.nextInt(1 << 16);
                    String near = neighbours(Character.toLowerCase(cp));
                    if (u < rate && !near.isEmpty()) {
                        int r = near.charAt(pick % near.length());
                        out.appendCodePoint(Character.isUpperCase(cp) ? Character.toUpperCase(r) : r);
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
            case CHARACTER_SWAP -> {
                int i = 0;
                while (i < cps.length) {
                    double u = rng.nextDouble();
                    if (u < rate && i + 1 < cps.length && Character.isLetter(cps[i]) && Character.isLetter(cps[i + 1])
                            && cps[i] != cps[i + 1]) {
                        out.appendCodePoint(cps[i + 1]).appendCodePoint(cps[i]);
                        rng.nextDouble(); // the partner's draw, so later positions draw the same numbers at every severity
                        i += 2;
                    } else {
                        out.appendCodePoint(cps[i]);
                        i++;
                    }
                }
            }
            case CHARACTER_DELETION -> {
                int kept = 0;
                for (int k = 0; k < cps.length; k++) {
                    double u = rng.nextDouble();
                    boolean lastChance = kept == 0 && k == cps.length - 1; // never delete everything
                    if (u < rate && Character.isLetterOrDigit(cps[k]) && !lastChance) {
                        continue;
                    }
                    out.appendCodePoint(cps[k]);
                    kept++;
                }
            }
            case CHARACTER_INSERTION -> {
                for (int cp : cps) {
                    double u = rng.nextDouble();
                    int pick = rng.nextInt(1 << 16);
                    out.appendCodePoint(cp);
                    if (u < rate && Character.isLetter(cp)) {
                        String near = neighbours(Character.toLowerCase(cp));
                        int r = near.isEmpty() ? 'a' + pick % 26 : near.charAt(pick % near.length());
                        out.appendCodePoint(Character.isUpperCase(cp) ? Character.toUpperCase(r) : r);
                    }
                }
            }
            case OCR -> {
                int i = 0;
                while (i < cps.length) {
                    double u = rng.nextDouble();
                    if (u < rate && i + 1 < cps.length && cps[i] == 'r' && cps[i + 1] == 'n') {
                        out.append('m');
                        rng.nextDouble();
                        i += 2;
                        continue;
                    }
                    String sub = OCR_SINGLE.get(cps[i]);
                    out.append(u < rate && sub != null ? sub : new String(Character.toChars(cps[i])));
                    i++;
                }
            }
            case CASE_FLIP -> {
                for (int cp : cps) {
                    double u = rng.nextDouble();
                    int flipped = Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                            : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp;
                    out.appendCodePoint(u < rate ? flipped : cp);
                }
            }
            case WORD_DROPOUT -> {
                List<String> words = new ArrayList<>();
                List<Boolean> drop = new ArrayList<>();
                for (String w : text.strip().split("\\s+")) {
                    words.add(w);
                    drop.add(rng.nextDouble() < rate);
                }
                boolean any = false;
                for (int k = 0; k < words.size(); k++) {
                    if (!drop.get(k)) {
                        out.append(any ? " " : "").append(words.get(k));
                        any = true;
                    }
                }
                if (!any) {
                    out.append(words.get(0)); // keep one word
                }
            }
            default -> throw new IllegalStateException(corruption.name());
        }
        return out.toString();
    }

    /** Every text of {@code d} corrupted; text i's randomness is fixed by (seed, corruption, severity, i). */
    public static TextDataset corrupt(TextDataset d, TextCorruption corruption, int severity, long seed) {
        List<String> texts = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            texts.add(corrupt(d.text(i), corruption, severity, seed * 1_000_003L + i));
        }
        return new TextDataset(texts, d.labels(), d.classNames());
    }

    /** The QWERTY neighbours (same row left/right, rows above/below at the same and next column) of a lower-case letter. */
    static String neighbours(int c) {
        for (int row = 0; row < QWERTY.length; row++) {
            int col = QWERTY[row].indexOf(c);
            if (c > 0x7f || col < 0) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            for (int dr = -1; dr <= 1; dr++) {
                int r = row + dr;
                if (r < 0 || r >= QWERTY.length) {
                    continue;
                }
                for (int dc = -1; dc <= 1; dc++) {
                    int cc = col + dc;
                    if ((dr == 0 && dc == 0) || cc < 0 || cc >= QWERTY[r].length()) {
                        continue;
                    }
                    sb.append(QWERTY[r].charAt(cc));
                }
            }
            return sb.toString();
        }
        return "";
    }
}
