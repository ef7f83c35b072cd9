package io.adamerge.zoo;

import java.util.SplittableRandom;

/** Independent, reproducible seeds for each stage and task, derived from the zoo's seed. */
final class Seeds {
    private Seeds() {
    }

    static long derive(long seed, String... labels) {
        long s = seed;
        for (String label : labels) {
            // String.hashCode is specified by the JLS, so this is the same on every JVM
            s = new SplittableRandom(s * 0x9E3779B97F4A7C15L + label.hashCode()).nextLong();
        }
        return s;
    }
}
