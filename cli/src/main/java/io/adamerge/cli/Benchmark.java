package io.adamerge.cli;

import java.util.Locale;

/** Which benchmark a command runs on: the image zoo (a small ViT) or the text zoo (all-MiniLM-L6-v2). */
enum Benchmark {
    IMAGE, TEXT;

    static Benchmark parse(String name) {
        String n = name == null ? "image" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "image" -> IMAGE;
            case "text" -> TEXT;
            default -> throw new IllegalArgumentException("--benchmark must be image or text, got '" + name + "'");
        };
    }
}
