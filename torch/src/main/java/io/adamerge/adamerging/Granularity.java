package io.adamerge.adamerging;

import java.util.Locale;

/** How many coefficients AdaMerging learns: one per task, or one per task and parameter tensor. */
public enum Granularity {
    /** One λ_k per task, shared by every parameter tensor (task-wise AdaMerging). */
    TASK,
    /** One λ_k^l per task and parameter tensor l (layer-wise AdaMerging). */
    LAYER;

    /** The name used in coefficient files and on the command line: {@code task} or {@code layer}. */
    public String fileName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Granularity parse(String s) {
        for (Granularity g : values()) {
            if (g.fileName().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return g;
            }
        }
        throw new IllegalArgumentException("granularity must be 'task' or 'layer', got '" + s + "'");
    }
}
