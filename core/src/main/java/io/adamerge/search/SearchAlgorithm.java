package io.adamerge.search;

import java.util.Locale;

/** How a coefficient search proposes candidates. */
public enum SearchAlgorithm {
    /** The start point, then points drawn uniformly from [0, 1]^d by a seeded generator. */
    RANDOM,
    /** Apache Commons Math's {@code CMAESOptimizer} in [0, 1]^d from the start point, restarted from the best point when it stops. */
    CMAES;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
