package io.adamerge.merge.methods;

/** DARE with Ties sign election by default: mergekit's {@code dare_ties}. */
public final class DareTies extends Dare {
    public DareTies() {
        super("dare_ties", "ties");
    }
}
