package io.adamerge.taskvector;

import java.util.Arrays;

/**
 * The trim and sign election of Ties-Merging (Yadav et al., 2023) over task vectors T_k = θ_k − θ_pre, computed
 * on streamed chunks. Statistics come first, over {@link #passes()} passes of the same element stream
 * ({@link #observe}, {@link #endPass}): two radix-selection passes for each model's exact magnitude threshold,
 * then, in {@link TiesScope#GLOBAL} scope, one pass for the majority sign used where the trimmed sum is exactly 0.
 * Then {@link #maskedTaskVectors} gives the trimmed, sign-agreeing task vectors and {@link #disjointMerge} their
 * disjoint sum or mean, for any chunk.
 *
 * <p>For the global scope the stream is every floating tensor of the model; for the per-tensor scope one
 * instance serves one tensor. Arithmetic is in F32, summing models in order, as PyTorch does.
 */
public final class TiesSelection {
    private static final int ABS = 0x7fffffff;

    private final TiesScope scope;
    private final int models;
    private final MagnitudeSelect[] selects;
    /** Keep entries whose magnitude bits are ≥ this; 0 keeps all. */
    private final int[] thresholdBits;
    private final boolean[] keepNone;
    private final boolean needsThreshold;
    private int pass;
    private long signBalance;
    private int majority;
    private float[][] trimmed = new float[0][];
    private float[] sums = new float[0];

    /**
     * @param scope    how thresholds and zero-sum signs are defined
     * @param density  per model, the fraction of entries kept (0..1)
     * @param elements the number of elements per model in the stream (d)
     */
    public TiesSelection(TiesScope scope, double[] density, long elements) {
        this.scope = scope;
        this.models = density.length;
        this.selects = new MagnitudeSelect[models];
        this.thresholdBits = new int[models];
        this.keepNone = new boolean[models];
        boolean any = false;
        for (int k = 0; k < models; k++) {
            if (!(density[k] >= 0 && density[k] <= 1)) {
                throw new IllegalArgumentException("density must be in [0, 1], got " + density[k]);
            }
            long rank = scope == TiesScope.GLOBAL ? officialRank(elements, density[k]) : mergekitRank(elements, density[k]);
            if (rank == 0) {
                thresholdBits[k] = 0;
            } else if (rank > elements) {
                keepNone[k] = true;
            } else {
                selects[k] = new MagnitudeSelect(rank);
                any = true;
            }
        }
        this.needsThreshold = any;
    }

    /**
     * The official rank: the (d − int(density·d))-th smallest magnitude is the threshold (0: keep all).
     * {@code int(density·d)} truncates the double product, as Python's int() does.
     */
    public static long officialRank(long d, double density) {
        return d - (long) (d * density);
    }

    /** mergekit keeps the int(density·d) largest: the threshold is the (d − keep + 1)-th smallest (0: keep all). */
    public static long mergekitRank(long d, double density) {
        long keep = (long) (d * density);
        if (keep >= d) {
            return 0;
        }
        return d - keep + 1;
    }

    /** How many passes over the stream the statistics need. */
    public int passes() {
        return (needsThreshold ? 2 : 0) + (scope == TiesScope.GLOBAL ? 1 : 0);
    }

    public boolean ready() {
        return pass >= passes();
    }

    /** Streams one chunk (the same elements of the base and of each model) of the current pass. */
    public void observe(float[] base, float[][] modelValues, int count) {
        if (ready()) {
            throw new IllegalStateException("all statistics passes are done");
        }
        if (needsThreshold && pass < 2) {
            for (int k = 0; k < models; k++) {
                if (selects[k] != null) {
                    selects[k].acceptDifference(modelValues[k], base, count);
                }
            }
            return;
        }
        trim(base, modelValues, count);
        long balance = 0;
        for (int i = 0; i < count; i++) {
            float s = sums[i];
            balance += s > 0 ? 1 : s < 0 ? -1 : 0;
        }
        signBalance += balance;
    }

    public void endPass() {
        if (needsThreshold && pass < 2) {
            for (int k = 0; k < models; k++) {
                if (selects[k] != null && selects[k].endPass()) {
                    thresholdBits[k] = selects[k].thresholdBits();
                    selects[k] = null;
                }
            }
        } else {
            majority = Long.signum(signBalance);
        }
        pass++;
    }

    /** Model k's magnitude threshold (entries with |T| ≥ it are kept), NaN when it keeps nothing. */
    public float threshold(int k) {
        requireReady();
        return keepNone[k] ? Float.NaN : Float.intBitsToFloat(thresholdBits[k]);
    }

    /** The sign used where the trimmed vectors sum to exactly 0 (global scope: sign of the sum of elected signs). */
    public int zeroSumSign() {
        requireReady();
        return scope == TiesScope.GLOBAL ? majority : 1;
    }

    private void requireReady() {
        if (!ready()) {
            throw new IllegalStateException("Ties statistics need " + passes() + " passes, " + pass + " done");
        }
    }

    /**
     * Trimmed task vectors of the chunk into {@link #trimmed}, their sum into {@link #sums}. Dropped entries
     * become {@code value * 0} (−0.0 for negative values), as the official code's multiplication by the mask does.
     */
    private void trim(float[] base, float[][] modelValues, int count) {
        if (trimmed.length != models || trimmed[0].length < count) {
            trimmed = new float[models][count];
            sums = new float[count];
        }
        Arrays.fill(sums, 0, count, 0f);
        for (int k = 0; k < models; k++) {
            float[] t = trimmed[k];
            float[] m = modelValues[k];
            if (keepNone[k]) {
                Arrays.fill(t, 0, count, 0f);
                continue;
            }
            int threshold = thresholdBits[k];
            for (int i = 0; i < count; i++) {
                float d = m[i] - base[i];
                t[i] = (Float.floatToRawIntBits(d) & ABS) >= threshold ? d : d * 0f;
            }
            for (int i = 0; i < count; i++) {
                sums[i] += t[i];
            }
        }
    }

    private int elect(float sum) {
        if (scope == TiesScope.GLOBAL) {
            return sum > 0 ? 1 : sum < 0 ? -1 : majority;
        }
        return sum >= 0 ? 1 : -1;
    }

    /** As the official code: where the elected sign is positive keep positive entries, otherwise negative ones. */
    private static boolean agrees(int elected, float t) {
        return elected > 0 ? t > 0 : t < 0;
    }

    /** The trimmed, sign-agreeing task vectors of the chunk: {@code out[k][0, count)} for each model k. */
    public void maskedTaskVectors(float[] base, float[][] modelValues, int count, float[][] out) {
        requireReady();
        trim(base, modelValues, count);
        for (int i = 0; i < count; i++) {
            int e = elect(sums[i]);
            for (int k = 0; k < models; k++) {
                float t = trimmed[k][i];
                out[k][i] = agrees(e, t) ? t : t * 0f;
            }
        }
    }

    /**
     * The disjoint merge of the chunk into {@code out[0, count)}: the sum of the kept entries, or with
     * {@code mean} their sum divided by how many tasks kept a non-zero entry (at least 1).
     */
    public void disjointMerge(float[] base, float[][] modelValues, int count, boolean mean, float[] out) {
        requireReady();
        trim(base, modelValues, count);
        for (int i = 0; i < count; i++) {
            int e = elect(sums[i]);
            float acc = 0f;
            int kept = 0;
            for (int k = 0; k < models; k++) {
                float t = trimmed[k][i];
                if (agrees(e, t)) {
                    acc += t;
                    kept++;
                }
            }
            out[i] = mean && kept > 1 ? acc / kept : acc;
        }
    }
}
