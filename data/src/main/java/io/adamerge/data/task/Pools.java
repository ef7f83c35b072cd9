package io.adamerge.data.task;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded partition of a source's items into disjoint train / validation / test pools. Every task drawn from
 * the source takes its split from the matching pool, so no test image of one task is a training image of
 * another.
 */
record Pools(int[] train, int[] validation, int[] test) {
    int[] get(Split s) {
        return switch (s) {
            case TRAIN -> train;
            case VALIDATION -> validation;
            case TEST -> test;
        };
    }

    static SplittableRandom random(long seed, String stream) {
        return SeededShuffle.random(seed, stream);
    }

    static int[] permutation(int n, SplittableRandom rng) {
        return SeededShuffle.permutation(n, rng);
    }

    /** Items 0..n-1 shuffled, then cut: the first fraction {@code train}, the next {@code validation}, the rest test. */
    static Pools split(int n, double train, double validation, SplittableRandom rng) {
        int[] p = permutation(n, rng);
        int a = (int) Math.round(n * train);
        int b = (int) Math.round(n * (train + validation));
        return new Pools(java.util.Arrays.copyOfRange(p, 0, a), java.util.Arrays.copyOfRange(p, a, b),
                java.util.Arrays.copyOfRange(p, b, n));
    }

    /** Like {@link #split}, within each class separately, so every pool keeps the class proportions. */
    static Pools stratified(int[] labels, int classes, double train, double validation, SplittableRandom rng) {
        List<Integer> tr = new ArrayList<>();
        List<Integer> va = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            Pools p = split(members.size(), train, validation, rng);
            for (int i : p.train) {
                tr.add(members.get(i));
            }
            for (int i : p.validation) {
                va.add(members.get(i));
            }
            for (int i : p.test) {
                te.add(members.get(i));
            }
        }
        return new Pools(toArray(tr), toArray(va), toArray(te));
    }

    /** Up to {@code n} items of {@code pool}, drawn without replacement, in drawn order. */
    static int[] sample(int[] pool, int n, SplittableRandom rng) {
        int[] p = permutation(pool.length, rng);
        int k = Math.min(n, pool.length);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = pool[p[i]];
        }
        return out;
    }

    private static int[] toArray(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }
}
