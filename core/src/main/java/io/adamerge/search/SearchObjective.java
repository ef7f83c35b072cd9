package io.adamerge.search;

import java.util.Locale;

/** What a coefficient search optimises on the validation splits. */
public enum SearchObjective {
    /** Maximise the mean top-1 validation accuracy over tasks. */
    ACCURACY,
    /** Minimise the mean validation cross-entropy over tasks. */
    LOSS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SearchObjective parse(String s) {
        for (SearchObjective o : values()) {
            if (o.label().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return o;
            }
        }
        throw new IllegalArgumentException("search objective must be 'accuracy' or 'loss', got '" + s + "'");
    }
}
