package io.adamerge.data.task;

import java.util.Locale;

/** The three splits of a task. Test images of every task come from pools no training split draws from. */
public enum Split {
    TRAIN, VALIDATION, TEST;

    /** Lower-case name, as used in file names ({@code train}, {@code validation}, {@code test}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split parse(String s) {
        for (Split v : values()) {
            if (v.label().equalsIgnoreCase(s) || (v == VALIDATION && s.equalsIgnoreCase("val"))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown split '" + s + "' (train, validation or test)");
    }
}
