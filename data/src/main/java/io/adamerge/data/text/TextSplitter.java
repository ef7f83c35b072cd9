package io.adamerge.data.text;

import io.adamerge.data.task.SeededShuffle;
import io.adamerge.data.task.Split;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import io.adamerge.data.task.SeededShuffle;
import java.util.SplittableRandom;

/**
 * Turns a reader's raw examples into a task's splits: clean (white space squeezed, cut at a word boundary), drop
 * texts that are not prose, drop duplicates (and texts that occur under two labels), then assign whole groups
 * (documents, chapters, entries) to train / validation / test pools, stratified by class, and draw from each pool
 * up to its target as evenly over the classes as the pool allows. Everything random is fixed by the seed.
 */
public final class TextSplitter {
    /** Fractions of each class's groups in the train and validation pools (the rest is test). */
    static final double TRAIN_FRACTION = 0.7;
    static final double VALIDATION_FRACTION = 0.15;
    /** Texts are cut to at most this many characters (a 128-token window rarely needs more). */
    public static final int MAX_CHARS = 1000;
    static final int MIN_WORDS = 3;
    private static final java.util.regex.Pattern WHITE_SPACE = java.util.regex.Pattern.compile("\\s+");

    private TextSplitter() {
    }

    /** A cleaned example: its text, class index and group. */
    public record Item(String text, int label, String group) {
    }

    /** Cleans, filters and de-duplicates {@code raw}, keeping only labels in {@code classes}; order is kept. */
    public static List<Item> prepare(List<TextExample> raw, List<String> classes) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        Map<String, Item> byKey = new LinkedHashMap<>();
        Set<String> ambiguous = new HashSet<>();
        for (TextExample e : raw) {
            Integer label = index.get(e.label());
            if (label == null) {
                continue;
            }
            String text = clean(e.text());
            if (!isProse(text)) {
                continue;
            }
            String key = text.toLowerCase(Locale.ROOT);
            Item earlier = byKey.get(key);
            if (earlier == null) {
                byKey.put(key, new Item(text, label, e.group()));
            } else if (earlier.label() != label) {
                ambiguous.add(key);
            }
        }
        ambiguous.forEach(byKey::remove);
        return List.copyOf(byKey.values());
    }

    /** White space squeezed; cut at the last space before {@link #MAX_CHARS} (never inside a surrogate pair). */
    public static String clean(String text) {
        String s = WHITE_SPACE.matcher(text).replaceAll(" ").strip();
        if (s.length() <= MAX_CHARS) {
            return s;
        }
        int cut = s.lastIndexOf(' ', MAX_CHARS);
        if (cut < MAX_CHARS / 2) {
            cut = Character.isHighSurrogate(s.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
        }
        return s.substring(0, cut).strip();
    }

    /** At least {@link #MIN_WORDS} words and mostly letters (so ASCII art and tables are left out). */
    static boolean isProse(String s) {
        if (s.split(" ").length < MIN_WORDS) {
            return false;
        }
        long visible = s.codePoints().filter(c -> !Character.isWhitespace(c)).count();
        long letters = s.codePoints().filter(Character::isLetter).count();
        return letters * 2 >= visible;
    }

    /**
     * Splits {@code items} by group: each class's groups (a group's class is that of its first item) are shuffled
     * and cut 70/15/15 into the pools; then each split draws up to its target from its pool, as evenly over the
     * classes as the pool allows, and is shuffled. No group is in two splits.
     */
    public static Map<Split, List<Item>> split(List<Item> items, int classes, int[] targets, long seed, String stream) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            groups.computeIfAbsent(items.get(i).group(), g -> new ArrayList<>()).add(i);
        }
        List<List<List<Integer>>> groupsOfClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            groupsOfClass.add(new ArrayList<>());
        }
        for (List<Integer> g : groups.values()) {
            groupsOfClass.get(items.get(g.get(0)).label()).add(g);
        }
        SplittableRandom rng = random(seed, stream + "/pools");
        Map<Split, List<List<Integer>>> pools = new EnumMap<>(Split.class); // split → per class → item indices
        for (Split s : Split.values()) {
            List<List<Integer>> perClass = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                perClass.add(new ArrayList<>());
            }
            pools.put(s, perClass);
        }
        for (int c = 0; c < classes; c++) {
            List<List<Integer>> gs = groupsOfClass.get(c);
            int[] order = permutation(gs.size(), rng);
            int a = (int) Math.round(gs.size() * TRAIN_FRACTION);
            int b = (int) Math.round(gs.size() * (TRAIN_FRACTION + VALIDATION_FRACTION));
            for (int k = 0; k < order.length; k++) {
                Split s = k < a ? Split.TRAIN : k < b ? Split.VALIDATION : Split.TEST;
                for (int i : gs.get(order[k])) {
                    pools.get(s).get(items.get(i).label()).add(i);
                }
            }
        }
        Map<Split, List<Item>> out = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            SplittableRandom r = random(seed, stream + "/" + s.label());
            List<List<Integer>> perClass = pools.get(s);
            int[] available = perClass.stream().mapToInt(List::size).toArray();
            int[] take = evenShares(available, targets[s.ordinal()]);
            List<Item> chosen = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                List<Integer> members = perClass.get(c);
                int[] p = permutation(members.size(), r);
                for (int k = 0; k < take[c]; k++) {
                    chosen.add(items.get(members.get(p[k])));
                }
            }
            int[] shuffle = permutation(chosen.size(), r);
            List<Item> shuffled = new ArrayList<>(chosen.size());
            for (int k : shuffle) {
                shuffled.add(chosen.get(k));
            }
            out.put(s, shuffled);
        }
        return out;
    }

    /**
     * How many to take from each class to reach {@code target} as evenly as possible: water-filling, so a class
     * with fewer than its share gives the rest to the others; the remainder goes to the first classes.
     */
    static int[] evenShares(int[] available, int target) {
        int k = available.length;
        int[] take = new int[k];
        int left = Math.min(target, java.util.Arrays.stream(available).sum());
        while (left > 0) {
            int open = 0;
            for (int c = 0; c < k; c++) {
                if (take[c] < available[c]) {
                    open++;
                }
            }
            int share = Math.max(1, left / open);
            for (int c = 0; c < k && left > 0; c++) {
                int add = Math.min(Math.min(share, available[c] - take[c]), left);
                take[c] += add;
                left -= add;
            }
        }
        return take;
    }

    static SplittableRandom random(long seed, String stream) {
        return SeededShuffle.random(seed, stream);
    }

    static int[] permutation(int n, SplittableRandom rng) {
        return SeededShuffle.permutation(n, rng);
    }
}
