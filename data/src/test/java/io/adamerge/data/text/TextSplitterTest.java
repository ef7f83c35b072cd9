package io.adamerge.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.data.task.Split;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TextSplitterTest {
    /** Synthetic corpus: {@code groups} groups of 1..6 texts each, 3 classes. */
    private static List<TextExample> corpus(int groups, long seed) {
        java.util.Random r = new java.util.Random(seed);
        List<TextExample> out = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            String label = "c" + (g % 3);
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                out.add(new TextExample("text number " + i + " of group " + g + " says " + r.nextInt(1000), label, "g" + g));
            }
        }
        return out;
    }

    @Property(tries = 50)
    void groupsNeverStraddleSplitsAndTargetsAreMet(@ForAll @IntRange(min = 10, max = 300) int groups, @ForAll long seed,
                                                   @ForAll @IntRange(min = 1, max = 200) int target) {
        List<TextExample> raw = corpus(groups, seed);
        List<TextSplitter.Item> items = TextSplitter.prepare(raw, List.of("c0", "c1", "c2"));
        Map<Split, List<TextSplitter.Item>> s = TextSplitter.split(items, 3, new int[] {target, target, target}, seed, "t");
        Map<Split, Set<String>> groupsOf = new java.util.EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            groupsOf.put(split, s.get(split).stream().map(TextSplitter.Item::group).collect(Collectors.toSet()));
            assertThat(s.get(split).size()).isLessThanOrEqualTo(target);
        }
        for (Split a : Split.values()) {
            for (Split b : Split.values()) {
                if (a != b) {
                    assertThat(java.util.Collections.disjoint(groupsOf.get(a), groupsOf.get(b))).as(a + " vs " + b).isTrue();
                }
            }
        }
        // deterministic
        assertThat(TextSplitter.split(items, 3, new int[] {target, target, target}, seed, "t")).isEqualTo(s);
        // the train pool holds ~70% of the groups, so a target below what it holds is met exactly
        long trainPool = items.stream().filter(i -> groupsOf.get(Split.TRAIN).contains(i.group())).count();
        if (trainPool > target) {
            assertThat(s.get(Split.TRAIN)).hasSize(target);
        }
    }

    @Test
    void anotherSeedOrStreamGivesAnotherSplit() {
        List<TextSplitter.Item> items = TextSplitter.prepare(corpus(200, 1), List.of("c0", "c1", "c2"));
        int[] t = {100, 50, 50};
        var a = TextSplitter.split(items, 3, t, 1, "x");
        assertThat(TextSplitter.split(items, 3, t, 2, "x")).isNotEqualTo(a);
        assertThat(TextSplitter.split(items, 3, t, 1, "y")).isNotEqualTo(a);
    }

    @Property(tries = 200)
    void evenSharesTakeAsEvenlyAsAvailabilityAllows(@ForAll @Size(min = 1, max = 10) List<@IntRange(min = 0, max = 500) Integer> avail,
                                                     @ForAll @IntRange(min = 0, max = 3000) int target) {
        int[] available = avail.stream().mapToInt(Integer::intValue).toArray();
        int[] take = TextSplitter.evenShares(available, target);
        assertThat(Arrays.stream(take).sum()).isEqualTo(Math.min(target, Arrays.stream(available).sum()));
        for (int c = 0; c < take.length; c++) {
            assertThat(take[c]).isBetween(0, available[c]);
            // a class not fully taken gets at least as many as any other class, less one (the remainder)
            if (take[c] < available[c]) {
                for (int d = 0; d < take.length; d++) {
                    assertThat(take[d]).isLessThanOrEqualTo(take[c] + 1);
                }
            }
        }
    }

    @Test
    void prepareCleansFiltersAndDropsDuplicatesAndAmbiguousTexts() {
        List<TextExample> raw = List.of(
                new TextExample("  A first   text\nwith lines ", "a", "1"),
                new TextExample("a FIRST text with lines", "a", "2"), // same text, same label: dropped
                new TextExample("the same words here", "a", "3"),
                new TextExample("The same words here", "b", "4"), // same text, other label: both dropped
                new TextExample("two words", "a", "5"), // too short
                new TextExample("#### |||| ---- ==== ++++ 1234", "b", "6"), // not prose
                new TextExample("a text of an unknown label", "z", "7"),
                new TextExample("x ".repeat(800) + "end", "b", "8"));
        List<TextSplitter.Item> items = TextSplitter.prepare(raw, List.of("a", "b"));
        assertThat(items).extracting(TextSplitter.Item::group).containsExactly("1", "8");
        assertThat(items.get(0).text()).isEqualTo("A first text with lines");
        assertThat(items.get(1).text().length()).isLessThanOrEqualTo(TextSplitter.MAX_CHARS);
        assertThat(new HashSet<>(List.of(items.get(1).text().split(" ")))).containsExactly("x");
    }
}
