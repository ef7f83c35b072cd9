package io.adamerge.zoo;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.VitConfig;
import java.util.List;
import java.util.Random;

/** A tiny tower and a synthetic 4-class image task (which quadrant is bright) for fast training tests. */
final class TinyModels {
    static final VitConfig CONFIG = new VitConfig(8, 4, 1, 16, 1, 2, 32, 0, 1e-5, HiddenAct.GELU);
    static final ImageSpec SPEC = new ImageSpec(1, 8, 8);

    private TinyModels() {
    }

    static ImageDataset quadrants(int n, long seed) {
        Random rng = new Random(seed);
        float[] px = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int q = rng.nextInt(4);
            labels[i] = q;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean bright = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == q;
                    px[i * 64 + y * 8 + x] = (float) Math.min(1, Math.max(0, (bright ? 0.8 : 0.2) + 0.1 * rng.nextGaussian()));
                }
            }
        }
        return new ImageDataset("quadrants", SPEC, px, labels, List.of("top-left", "top-right", "bottom-left", "bottom-right"));
    }
}
