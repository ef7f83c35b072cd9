package io.adamerge.data.text.corrupt;

import java.util.Arrays;
import java.util.Locale;

/**
 * Seven text corruptions in the spirit of ImageNet-C (Hendrycks &amp; Dietterich 2019): each at severities 1–5,
 * where the severity sets the rate at which characters (or words) are hit ({@link #rate}). Severity 0 is the clean
 * text.
 */
public enum TextCorruption {
    /** A letter replaced by a neighbour on a QWERTY keyboard (case kept). */
    KEYBOARD_TYPO(Level.CHARACTER),
    /** Two adjacent letters of a word swapped. */
    CHARACTER_SWAP(Level.CHARACTER),
    /** A letter or digit deleted. */
    CHARACTER_DELETION(Level.CHARACTER),
    /** A keyboard neighbour of a letter typed after it. */
    CHARACTER_INSERTION(Level.CHARACTER),
    /** Look-alike confusions of optical character recognition (l→1, O→0, m→rn, rn→m, e→c, ...). */
    OCR(Level.CHARACTER),
    /** A letter's case flipped. */
    CASE_FLIP(Level.CHARACTER),
    /** A whole word dropped (the text keeps at least one word). */
    WORD_DROPOUT(Level.WORD);

    /** What a corruption's rate applies to. */
    public enum Level { CHARACTER, WORD }

    /** Per-character rates of severities 1..5 (ImageNet-C-like geometric-ish steps). */
    static final double[] CHARACTER_RATES = {0.03, 0.06, 0.10, 0.15, 0.22};
    /** Per-word rates of severities 1..5. */
    static final double[] WORD_RATES = {0.05, 0.10, 0.20, 0.30, 0.45};

    private final Level level;

    TextCorruption(Level level) {
        this.level = level;
    }

    public Level level() {
        return level;
    }

    /** The probability that one eligible character (or word) is hit at {@code severity} (0 for severity 0). */
    public double rate(int severity) {
        checkSeverity(severity);
        if (severity == 0) {
            return 0;
        }
        return (level == Level.WORD ? WORD_RATES : CHARACTER_RATES)[severity - 1];
    }

    /** Lower-case name with underscores ({@code keyboard_typo}), as used on command lines and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TextCorruption parse(String s) {
        String key = s.strip().toLowerCase(Locale.ROOT).replace('-', '_');
        for (TextCorruption c : values()) {
            if (c.label().equals(key)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown text corruption '" + s + "'; known: "
                + Arrays.stream(values()).map(TextCorruption::label).toList());
    }

    static void checkSeverity(int severity) {
        if (severity < 0 || severity > 5) {
            throw new IllegalArgumentException("severity " + severity + " is outside 0..5");
        }
    }
}
