package io.adamerge.data.task;

import java.util.SplittableRandom;

/** The seeded random streams and shuffles every split of the project is drawn with (image and text tasks alike). */
public final class SeededShuffle {
    private SeededShuffle() {
    }

    /** Deterministic random stream for a named purpose under a seed. */
    public static SplittableRandom random(long seed, String stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream.hashCode() * 0xC2B2AE3D27D4EB4FL);
    }

    /** 0..n-1 in a Fisher–Yates order drawn from {@code rng}. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
