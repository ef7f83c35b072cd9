package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import java.nio.file.Path;

/** The PyTorch reference vectors in {@code shared/reference} and tolerance checks against them. */
final class Reference {
    static final Path DIR = Path.of(System.getProperty("adamerge.shared", "../shared")).resolve("reference");
    static final Path CONFIG = DIR.resolve("vit_config.json");
    static final Path HF = DIR.resolve("vit_hf.safetensors");
    static final Path OPEN_CLIP = DIR.resolve("vit_openclip.safetensors");
    static final Path IO = DIR.resolve("vit_io.safetensors");

    private Reference() {
    }

    static float[] read(Path file, String tensor) {
        try (Checkpoint c = Checkpoint.open(file)) {
            return c.readFloats(tensor);
        }
    }

    static long[] shape(Path file, String tensor) {
        try (Checkpoint c = Checkpoint.open(file)) {
            return c.info(tensor).shape();
        }
    }

    /** max |actual − expected| ≤ rtol · max |expected|: relative to the tensor's scale, so near-zero entries don't dominate. */
    static void assertClose(String what, float[] actual, float[] expected, double rtol) {
        assertThat(actual).as(what + " length").hasSameSizeAs(expected);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertThat(scale).as(what + " reference is not all zero").isGreaterThan(0);
        assertThat(worst / scale).as(what + ": worst difference at element " + at + " (actual " + (at < 0 ? "-" : actual[at])
                + ", expected " + (at < 0 ? "-" : expected[at]) + "), relative to max |expected| " + scale).isLessThanOrEqualTo(rtol);
    }
}
