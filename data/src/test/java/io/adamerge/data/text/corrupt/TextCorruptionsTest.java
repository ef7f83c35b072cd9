package io.adamerge.data.text.corrupt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.text.TextDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TextCorruptionsTest {
    /** Sentences of random words over Latin, accented, Greek, CJK and emoji code points (built from code points). */
    @Provide
    Arbitrary<String> sentences() {
        return Arbitraries.longs().map(seed -> sentence(new Random(seed), 8 + new Random(seed).nextInt(30)));
    }

    private static final int[][] RANGES = {{'a', 'z'}, {'a', 'z'}, {'a', 'z'}, {'A', 'Z'}, {0xe0, 0xff}, {0x3b1, 0x3c9},
            {0x4e00, 0x4e80}, {0x1f600, 0x1f64f}, {'0', '9'}};

    static String sentence(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words; w++) {
            int len = 1 + r.nextInt(9);
            for (int i = 0; i < len; i++) {
                int[] range = RANGES[r.nextInt(RANGES.length)];
                sb.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
            }
            sb.append(w + 1 < words ? (r.nextInt(8) == 0 ? ", " : " ") : ".");
        }
        return sb.toString();
    }

    /** Levenshtein distance over code points. */
    static int editDistance(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int[] prev = new int[y.length + 1];
        int[] cur = new int[y.length + 1];
        for (int j = 0; j <= y.length; j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= x.length; i++) {
            cur[0] = i;
            for (int j = 1; j <= y.length; j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[y.length];
    }

    @Property(tries = 200)
    void sameSeedSameTextAndSeverityZeroIsClean(@ForAll("sentences") String s, @ForAll long seed,
                                                 @ForAll @IntRange(min = 1, max = 5) int severity) {
        for (TextCorruption c : TextCorruption.values()) {
            assertThat(TextCorruptions.corrupt(s, c, severity, seed)).isEqualTo(TextCorruptions.corrupt(s, c, severity, seed));
            assertThat(TextCorruptions.corrupt(s, c, 0, seed)).isEqualTo(s);
        }
    }

    /** Unicode-safe: no lone surrogate appears, and emoji (neither letters nor digits) survive every character corruption. */
    @Property(tries = 300)
    void unicodeSafeOnCodePoints(@ForAll("sentences") String s, @ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int severity) {
        long emoji = s.codePoints().filter(cp -> cp >= 0x1f600).count();
        for (TextCorruption c : TextCorruption.values()) {
            String out = TextCorruptions.corrupt(s, c, severity, seed);
            for (int i = 0; i < out.length(); i++) {
                char ch = out.charAt(i);
                if (Character.isHighSurrogate(ch)) {
                    assertThat(i + 1 < out.length() && Character.isLowSurrogate(out.charAt(i + 1))).as(c + ": " + out).isTrue();
                    i++;
                } else {
                    assertThat(Character.isLowSurrogate(ch)).as(c + " lone low surrogate in " + out).isFalse();
                }
            }
            if (c != TextCorruption.WORD_DROPOUT) {
                assertThat(out.codePoints().filter(cp -> cp >= 0x1f600).count()).as(c.label()).isEqualTo(emoji);
            }
            assertThat(out).as(c.label() + " never empties a text").isNotEmpty();
        }
    }

    /** The damage grows with the severity: mean edit distance over 60 sentences, non-decreasing from 0 to 5, and 5 ≫ 1. */
    @Property(tries = 10)
    void severityIsMonotoneInEditDistanceOnAverage(@ForAll long seed) {
        Random r = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            texts.add(sentence(r, 20));
        }
        for (TextCorruption c : TextCorruption.values()) {
            double[] mean = new double[6];
            for (int sev = 0; sev <= 5; sev++) {
                for (int i = 0; i < texts.size(); i++) {
                    mean[sev] += editDistance(texts.get(i), TextCorruptions.corrupt(texts.get(i), c, sev, seed + i));
                }
                mean[sev] /= texts.size();
            }
            assertThat(mean[0]).isZero();
            for (int sev = 1; sev <= 5; sev++) {
                assertThat(mean[sev]).as(c.label() + " severity " + sev + " " + java.util.Arrays.toString(mean))
                        .isGreaterThanOrEqualTo(mean[sev - 1]);
            }
            assertThat(mean[5]).as(c.label() + " " + java.util.Arrays.toString(mean)).isGreaterThan(2.5 * mean[1]);
        }
    }

    /** Severity 1 is mild and severity 5 is heavy: per-code-point edit rate bounds on long texts. */
    @Property(tries = 10)
    void severityBounds(@ForAll long seed) {
        String text = sentence(new Random(seed), 300);
        int n = (int) text.codePoints().count();
        for (TextCorruption c : TextCorruption.values()) {
            double mild = editDistance(text, TextCorruptions.corrupt(text, c, 1, seed)) / (double) n;
            double heavy = editDistance(text, TextCorruptions.corrupt(text, c, 5, seed)) / (double) n;
            // word dropout removes whole words, so its per-code-point rate varies most (8.06% seen once on a 300-word text)
            assertThat(mild).as(c.label() + " severity 1").isGreaterThan(0).isLessThan(0.12);
            assertThat(heavy).as(c.label() + " severity 5").isGreaterThan(0.04).isLessThan(0.6);
        }
    }

    @Test
    void corruptionsDoWhatTheySay() {
        String s = "The quick brown fox jumps over the lazy dog near the riverbank modern";
        String typo = TextCorruptions.corrupt(s, TextCorruption.KEYBOARD_TYPO, 5, 1);
        assertThat(typo).hasSameSizeAs(s).isNotEqualTo(s);
        for (int i = 0; i < s.length(); i++) {
            if (typo.charAt(i) != s.charAt(i)) {
                assertThat(TextCorruptions.neighbours(Character.toLowerCase(s.charAt(i))))
                        .contains(String.valueOf(Character.toLowerCase(typo.charAt(i))));
            }
        }
        String swapped = TextCorruptions.corrupt(s, TextCorruption.CHARACTER_SWAP, 5, 1);
        assertThat(sorted(swapped)).isEqualTo(sorted(s));
        assertThat(TextCorruptions.corrupt(s, TextCorruption.CHARACTER_DELETION, 5, 1).length()).isLessThan(s.length());
        assertThat(TextCorruptions.corrupt(s, TextCorruption.CHARACTER_INSERTION, 5, 1).length()).isGreaterThan(s.length());
        String flipped = TextCorruptions.corrupt(s, TextCorruption.CASE_FLIP, 5, 1);
        assertThat(flipped.toLowerCase()).isEqualTo(s.toLowerCase());
        assertThat(flipped).isNotEqualTo(s);
        String dropped = TextCorruptions.corrupt(s, TextCorruption.WORD_DROPOUT, 5, 1);
        assertThat(List.of(s.split(" "))).containsAll(List.of(dropped.split(" ")));
        assertThat(dropped.split(" ").length).isLessThan(s.split(" ").length);
        String ocr = TextCorruptions.corrupt("modern illumination", TextCorruption.OCR, 5, 3);
        assertThat(ocr).isNotEqualTo("modern illumination");
    }

    private static String sorted(String s) {
        return s.chars().sorted().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    @Test
    void badSeverityOrNameIsRefused() {
        assertThatThrownBy(() -> TextCorruptions.corrupt("a b c", TextCorruption.OCR, 6, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("severity 6");
        assertThatThrownBy(() -> TextCorruptions.corrupt("a b c", TextCorruption.OCR, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TextCorruption.parse("gaussian_noise")).hasMessageContaining("keyboard_typo");
        assertThat(TextCorruption.parse("case-flip")).isEqualTo(TextCorruption.CASE_FLIP);
    }

    @Test
    void datasetCorruptionKeepsLabelsAndVariesPerText() {
        TextDataset d = new TextDataset(List.of("same text here again", "same text here again"), new int[] {0, 1}, List.of("a", "b"));
        TextDataset c = TextCorruptions.corrupt(d, TextCorruption.CHARACTER_DELETION, 5, 7);
        assertThat(c.labels()).containsExactly(0, 1);
        assertThat(c).isEqualTo(TextCorruptions.corrupt(d, TextCorruption.CHARACTER_DELETION, 5, 7));
    }
}
