package io.adamerge.data.corrupt;

import io.adamerge.data.ImageDataset;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Corrupted copies of whole datasets: every image drawn with its own seeded generator, so the result is deterministic. */
public final class Corruptions {
    private Corruptions() {
    }

    /**
     * A copy of {@code dataset} with every image corrupted at {@code severity} (1..5); labels and class names kept,
     * named {@code <name>+<corruption>-<severity>}. Image i's randomness depends only on (seed, corruption,
     * severity, i), so the same call gives the same pixels, also on a subset taken first.
     */
    public static ImageDataset corrupt(ImageDataset dataset, Corruption corruption, int severity, long seed) {
        Corruption.checkSeverity(severity);
        int n = dataset.spec().pixels();
        float[] out = new float[dataset.pixels().length];
        IntStream.range(0, dataset.size()).parallel().forEach(i -> {
            float[] img = corruption.apply(dataset.image(i), dataset.spec(), severity, generator(seed, corruption, severity, i));
            System.arraycopy(img, 0, out, i * n, n);
        });
        return new ImageDataset(dataset.name() + "+" + corruption.id() + "-" + severity, dataset.spec(), out, dataset.labels().clone(),
                dataset.classNames());
    }

    /** The generator of image {@code index}. */
    static SplittableRandom generator(long seed, Corruption corruption, int severity, int index) {
        long s = seed;
        s = s * 0x9E3779B97F4A7C15L + corruption.ordinal() + 1;
        s = s * 0x9E3779B97F4A7C15L + severity;
        s = s * 0x9E3779B97F4A7C15L + index;
        return new SplittableRandom(s);
    }
}
