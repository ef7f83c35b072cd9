package io.adamerge.merge.data;

import java.util.SplittableRandom;

/**
 * Which images of a task a data-driven merge sees. For AdaMerging, the batch of each step: like the official
 * implementation, a fresh shuffled batch every step (its {@code next(iter(shuffled_loader))}), drawn without
 * replacement. The draw depends only on (seed, task, step), so the same seed gives the same batches and a resumed
 * run continues with the batches the uninterrupted run would have used. A batch at least as large as the task's
 * data is the whole set, in order.
 */
public final class BatchSampler {
    private final long seed;
    private final int batchSize;

    public BatchSampler(long seed, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        this.seed = seed;
        this.batchSize = batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Indices into the {@code available} images of {@code task} for 0-based {@code step}. */
    public int[] indices(int task, int step, int available) {
        if (available <= 0) {
            throw new IllegalArgumentException("task " + task + " has no images");
        }
        if (batchSize >= available) {
            int[] all = new int[available];
            for (int i = 0; i < available; i++) {
                all[i] = i;
            }
            return all;
        }
        // one independent stream per (seed, task, step)
        SplittableRandom random = new SplittableRandom(mix(mix(mix(seed) ^ task) ^ step));
        int[] pool = new int[available];
        for (int i = 0; i < available; i++) {
            pool[i] = i;
        }
        // partial Fisher–Yates: the first batchSize slots become a uniform sample without replacement
        for (int i = 0; i < batchSize; i++) {
            int j = i + random.nextInt(available - i);
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
        }
        int[] out = new int[batchSize];
        System.arraycopy(pool, 0, out, 0, batchSize);
        return out;
    }

    /** MurmurHash3's 64-bit finaliser: nearby inputs give unrelated outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
