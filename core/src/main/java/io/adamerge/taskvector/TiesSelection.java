package io.adamerge.taskvector;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trim and sign election of Ties-Merging (Yadav et al., 2023) over task vectors T_k = θ_k − θ_pre, computed
 * on streamed chunks. Statistics come first, over {@link #passes()} passes of the same element stream
 * ({@link #observe}, {@link #endPass}): radix-selection passes for each model's exact magnitude threshold (an
 * optional sampling pass, a coarse pass, and a full coarse and a fine pass when the sample's band missed), then, in
 * {@link TiesScope#GLOBAL} scope, one pass for the majority sign used where the trimmed sum is exactly 0 (unless
 * deferred to the merge).
 * Then {@link #maskedTaskVectors} gives the trimmed, sign-agreeing task vectors and {@link #disjointMerge} their
 * disjoint sum or mean, for any chunk.
 *
 * <p>For the global scope the stream is every floating tensor of the model; for the per-tensor scope one
 * instance serves one tensor. Arithmetic is in F32, summing models in order, as PyTorch does.
 *
 * <p>{@link #observe}, {@link #maskedTaskVectors} and {@link #disjointMerge} may run on several threads at once
 * (each on its own chunk; {@link #endPass} alone, after the pass): each call borrows scratch arrays and histogram
 * partials from a pool, and the counts and sign balances add exactly, so results do not depend on the threads.
 */
public final class TiesSelection {
    private static final int ABS = 0x7fffffff;
    private static final int SIGN = 0x80000000;
    private static final int ONE = 0x3f800000; // 1.0f
    /** The sampling pass reads every 16th chunk. */
    public static final int SAMPLE_STRIDE = 16;
    private static final long BAND_BUDGET_BYTES = 48L << 20;
    private static final int BAND_BUCKETS = 16;
    /** Streams shorter than this (per model) are not sampled. */
    public static final long SAMPLE_MIN_ELEMENTS = 1L << 20;
    /**
     * Streams of at most this many elements (per model) are selected in one pass that keeps every magnitude, when
     * sampling was asked for (a sample of so few would save nothing).
     */
    public static final long KEEP_ALL_MAX_ELEMENTS = 1L << 16;
    /**
     * Entries per block of the merge kernels: a thread's scratch arrays are this long, whatever the chunk; small
     * enough that a block's trimmed vectors and sums stay in the core's L2 cache between the kernels' loops.
     */
    private static final int BLOCK = 1 << 12;

    private final TiesScope scope;
    private final int models;
    private final MagnitudeSelect[] selects;
    /** Keep entries whose magnitude bits are ≥ this; 0 keeps all. */
    private final int[] thresholdBits;
    private final boolean[] keepNone;
    private final boolean deferMajority;
    private boolean thresholdsDone;
    private boolean majorityDone;
    private int passesDone;
    /** Guarded by {@code this}. */
    private long signBalance;
    private int majority;
    /** Scratch arrays not in use; shared with the selections that {@link #reuseScratch} this one's. */
    private ArrayDeque<Scratch> scratch = new ArrayDeque<>();
    /** Per-thread histogram partials of the current threshold pass, one per model (null where none selects). */
    private final ArrayDeque<MagnitudeSelect[]> idlePartials = new ArrayDeque<>();
    private final List<MagnitudeSelect[]> allPartials = new ArrayList<>();

    /** The arrays one call works in. */
    private static final class Scratch {
        float[][] trimmed = new float[0][];
        float[] sums = new float[0];
        float[] electedSigns = new float[0];
        /** Σ_k |trimmed_k| per entry (only with a deferred majority): non-zero where a zero sum is a cancellation. */
        float[] magnitudes = new float[0];
        float[] kept = new float[0];
    }

    /**
     * @param scope    how thresholds and zero-sum signs are defined
     * @param density  per model, the fraction of entries kept (0..1)
     * @param elements the number of elements per model in the stream (d)
     */
    public TiesSelection(TiesScope scope, double[] density, long elements) {
        this(scope, density, elements, false);
    }

    /**
     * @param deferMajority global scope only: skip the majority pass; {@link #disjointMerge} then assumes a positive
     *                      majority, accumulates the real one, and reports each entry whose result depends on it
     *                      (see {@link ZeroSumEntries}), so that a caller can correct those afterwards
     */
    public TiesSelection(TiesScope scope, double[] density, long elements, boolean deferMajority) {
        this(scope, density, elements, deferMajority, false);
    }

    /**
     * @param sampleFirst start with a pass over every {@link #SAMPLE_STRIDE}-th chunk (see {@link #samplingPass()}),
     *                    which usually spares the fine radix pass (see {@link MagnitudeSelect}); a stream of at most
     *                    {@link #KEEP_ALL_MAX_ELEMENTS} is not sampled but kept whole in its one threshold pass
     */
    public TiesSelection(TiesScope scope, double[] density, long elements, boolean deferMajority, boolean sampleFirst) {
        this.scope = scope;
        this.deferMajority = deferMajority && scope == TiesScope.GLOBAL;
        this.models = density.length;
        this.selects = new MagnitudeSelect[models];
        this.thresholdBits = new int[models];
        this.keepNone = new boolean[models];
        long[] ranks = new long[models];
        int selecting = 0;
        for (int k = 0; k < models; k++) {
            if (!(density[k] >= 0 && density[k] <= 1)) {
                throw new IllegalArgumentException("density must be in [0, 1], got " + density[k]);
            }
            ranks[k] = scope == TiesScope.GLOBAL ? officialRank(elements, density[k]) : mergekitRank(elements, density[k]);
            if (ranks[k] > elements) {
                keepNone[k] = true;
            } else if (ranks[k] > 0) {
                selecting++;
            }
        }
        // the values kept from the band (4 bytes each) share a fixed budget
        int bandValues = selecting == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE - 8, BAND_BUDGET_BYTES / (4L * selecting));
        // below a million values another full pass costs little
        boolean sample = sampleFirst && bandValues >= 1 << 16 && elements >= SAMPLE_MIN_ELEMENTS;
        boolean keepAll = sampleFirst && elements <= KEEP_ALL_MAX_ELEMENTS;
        for (int k = 0; k < models; k++) {
            if (ranks[k] > 0 && !keepNone[k]) {
                selects[k] = keepAll ? MagnitudeSelect.keepingAll(ranks[k], elements)
                        : sample ? new MagnitudeSelect(ranks[k], elements, BAND_BUCKETS, bandValues)
                        : new MagnitudeSelect(ranks[k]);
            }
        }
        this.thresholdsDone = selecting == 0;
        this.majorityDone = !(scope == TiesScope.GLOBAL && !this.deferMajority);
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

    /** Takes over another (finished) selection's scratch arrays, so that one per tensor does not allocate anew. */
    public void reuseScratch(TiesSelection previous) {
        if (previous != null && previous.models == models) {
            scratch = previous.scratch;
        }
    }

    private Scratch borrowScratch() {
        synchronized (scratch) {
            Scratch s = scratch.poll();
            return s != null ? s : new Scratch();
        }
    }

    private void giveBack(Scratch s) {
        synchronized (scratch) {
            scratch.push(s);
        }
    }

    private synchronized void addBalance(long balance) {
        signBalance += balance;
    }

    private synchronized long balanceSoFar() {
        return signBalance;
    }

    /**
     * How many passes over the stream the statistics need in all, as far as known now: it may shrink after a pass
     * (when the sampled band already gave the thresholds, the fine pass is skipped), and grows by one when the band
     * missed (a full coarse pass, then the fine pass).
     */
    public int passes() {
        int remaining = 0;
        if (!thresholdsDone) {
            for (MagnitudeSelect m : selects) {
                if (m != null) {
                    remaining = Math.max(remaining, switch (m.stage()) {
                        case SAMPLE -> 3;
                        case COARSE -> 2;
                        case FINE -> 1;
                        case DONE -> 0;
                    });
                }
            }
        }
        return passesDone + remaining + (majorityDone ? 0 : 1);
    }

    public boolean ready() {
        return thresholdsDone && majorityDone;
    }

    /**
     * Whether the per-thread partials of the next pass are small (a few KB per model): its threshold passes are all
     * banded ones (or keep every value). Other passes' partials hold histograms of hundreds of KB per model.
     */
    public boolean smallPartials() {
        if (thresholdsDone) {
            return false;
        }
        for (MagnitudeSelect m : selects) {
            if (m != null && !m.banded()) {
                return false;
            }
        }
        return true;
    }

    /** Whether the next pass is the sampling pass, which needs only every {@link #SAMPLE_STRIDE}-th chunk. */
    public boolean samplingPass() {
        if (thresholdsDone) {
            return false;
        }
        for (MagnitudeSelect m : selects) {
            if (m != null && m.stage() == MagnitudeSelect.Stage.SAMPLE) {
                return true;
            }
        }
        return false;
    }

    /** Streams one chunk (the same elements of the base and of each model) of the current pass. */
    public void observe(float[] base, float[][] modelValues, int count) {
        if (ready()) {
            throw new IllegalStateException("all statistics passes are done");
        }
        if (!thresholdsDone) {
            MagnitudeSelect[] partials = borrowPartials();
            try {
                for (int k = 0; k < models; k++) {
                    if (partials[k] != null) {
                        partials[k].acceptDifference(modelValues[k], base, count);
                    }
                }
            } finally {
                synchronized (idlePartials) {
                    idlePartials.push(partials);
                }
            }
            return;
        }
        Scratch s = borrowScratch();
        try {
            long balance = 0;
            for (int from = 0; from < count; from += BLOCK) {
                int n = Math.min(BLOCK, count - from);
                trim(s, base, modelValues, from, n);
                balance += balance(s, n);
            }
            addBalance(balance);
        } finally {
            giveBack(s);
        }
    }

    private MagnitudeSelect[] borrowPartials() {
        synchronized (idlePartials) {
            MagnitudeSelect[] p = idlePartials.poll();
            if (p == null) {
                p = new MagnitudeSelect[models];
                for (int k = 0; k < models; k++) {
                    p[k] = selects[k] == null ? null : selects[k].partial();
                }
                allPartials.add(p);
            }
            return p;
        }
    }

    /** Σ sign(sum of trimmed) over the chunk. */
    private static long balance(Scratch scratch, int count) {
        int balance = 0; // |balance| ≤ count: an int suffices per chunk
        float[] sum = scratch.sums;
        for (int i = 0; i < count; i++) {
            float s = sum[i];
            balance += (positive(s) & 1) - (positive(-s) & 1);
        }
        return balance;
    }

    public void endPass() {
        if (!thresholdsDone) {
            synchronized (idlePartials) {
                for (MagnitudeSelect[] p : allPartials) {
                    for (int k = 0; k < models; k++) {
                        if (selects[k] != null) {
                            selects[k].absorb(p[k]);
                        }
                    }
                }
                allPartials.clear();
                idlePartials.clear();
            }
            boolean all = true;
            for (int k = 0; k < models; k++) {
                if (selects[k] != null && selects[k].endPass()) {
                    thresholdBits[k] = selects[k].thresholdBits();
                    selects[k] = null;
                }
                all &= selects[k] == null;
            }
            thresholdsDone = all;
        } else {
            majority = Long.signum(balanceSoFar());
            majorityDone = true;
        }
        passesDone++;
    }

    /** Model k's magnitude threshold (entries with |T| ≥ it are kept), NaN when it keeps nothing. */
    public float threshold(int k) {
        requireReady();
        return keepNone[k] ? Float.NaN : Float.intBitsToFloat(thresholdBits[k]);
    }

    /**
     * The sign used where the trimmed vectors sum to exactly 0 (global scope: sign of the sum of elected signs).
     * With a deferred majority it is known once every chunk went through {@link #disjointMerge}.
     */
    public int zeroSumSign() {
        requireReady();
        if (deferMajority) {
            return Long.signum(balanceSoFar());
        }
        return scope == TiesScope.GLOBAL ? majority : 1;
    }

    /** Receives the entries whose merged value depends on the (deferred) majority sign. */
    @FunctionalInterface
    public interface ZeroSumEntries {
        /**
         * @param i                index in the chunk
         * @param mergedIfNegative the disjoint merge of entry i if the majority turns out not positive (the value
         *                         written to {@code out[i]} assumed a positive one)
         */
        void accept(int i, float mergedIfNegative);
    }

    private void requireReady() {
        if (!ready()) {
            throw new IllegalStateException("Ties statistics need " + passes() + " passes, " + passesDone + " done");
        }
    }

    /**
     * Trimmed task vectors of the chunk into {@link #trimmed}, their sum into {@link #sums}. Dropped entries
     * become {@code value * 0} (−0.0 for negative values), as the official code's multiplication by the mask does.
     * Branch-free (bit masks instead of conditions): which entries survive is data-dependent and unpredictable.
     */
    private void trim(Scratch s, float[] base, float[][] modelValues, int from, int count) {
        if (s.trimmed.length != models) {
            s.trimmed = new float[models][BLOCK];
            s.sums = new float[BLOCK];
            s.magnitudes = new float[BLOCK];
            s.electedSigns = new float[BLOCK];
            s.kept = new float[BLOCK];
        }
        float[][] trimmed = s.trimmed;
        float[] sums = s.sums;
        float[] magnitudes = s.magnitudes;
        Arrays.fill(sums, 0, count, 0f);
        if (deferMajority) {
            Arrays.fill(magnitudes, 0, count, 0f);
        }
        for (int k = 0; k < models; k++) {
            float[] t = trimmed[k];
            float[] m = modelValues[k];
            if (keepNone[k]) {
                for (int i = 0; i < count; i++) {
                    t[i] = (m[from + i] - base[from + i]) * 0f;
                }
                continue;
            }
            int threshold = thresholdBits[k];
            float[] sum = sums;
            for (int i = 0; i < count; i++) {
                int bits = Float.floatToRawIntBits(m[from + i] - base[from + i]);
                // all ones when |d| < threshold (both non-negative ints, so the difference cannot overflow)
                int drop = ((bits & ABS) - threshold) >> 31;
                float v = Float.intBitsToFloat(bits & ~(drop & ABS));
                t[i] = v;
                sum[i] += v;
            }
            if (deferMajority) {
                float[] mag = magnitudes;
                for (int i = 0; i < count; i++) {
                    mag[i] += Math.abs(t[i]);
                }
            }
        }
    }

    /**
     * The elected sign of each entry of the last trimmed chunk as ±1 into {@link #electedSigns}, in the form the
     * keep rule needs: +1 keeps positive entries, −1 negative ones (the official rule keeps negative entries where
     * the elected sign is 0, which only a zero global majority can produce).
     */
    private void elect(Scratch s, int count) {
        int zeroSign = scope == TiesScope.GLOBAL && !deferMajority ? (majority > 0 ? ONE : ONE | SIGN) : ONE;
        float[] e = s.electedSigns;
        float[] sum = s.sums;
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits(sum[i]);
            int zero = ((bits & ABS) - 1) >> 31; // all ones when the sum is ±0
            e[i] = Float.intBitsToFloat((zero & zeroSign) | (~zero & ((bits & SIGN) | ONE)));
        }
    }

    /** The trimmed, sign-agreeing task vectors of the chunk: {@code out[k][0, count)} for each model k. */
    public void maskedTaskVectors(float[] base, float[][] modelValues, int count, float[][] out) {
        requireReady();
        if (deferMajority) {
            throw new IllegalStateException("masked task vectors need the majority pass (deferMajority = false)");
        }
        Scratch s = borrowScratch();
        try {
            for (int from = 0; from < count; from += BLOCK) {
                int n = Math.min(BLOCK, count - from);
                trim(s, base, modelValues, from, n);
                elect(s, n);
                float[] e = s.electedSigns;
                for (int k = 0; k < models; k++) {
                    float[] t = s.trimmed[k];
                    float[] o = out[k];
                    for (int i = 0; i < n; i++) {
                        // t·e > 0 exactly when t is non-zero with the elected sign; otherwise only t's sign bit stays
                        int keep = positive(t[i] * e[i]) | SIGN;
                        o[from + i] = Float.intBitsToFloat(Float.floatToRawIntBits(t[i]) & keep);
                    }
                }
            }
        } finally {
            giveBack(s);
        }
    }

    /**
     * The disjoint merge of the chunk into {@code out[0, count)}: the sum of the kept entries, or with
     * {@code mean} their sum divided by how many tasks kept a non-zero entry (at least 1).
     */
    public void disjointMerge(float[] base, float[][] modelValues, int count, boolean mean, float[] out) {
        disjointMerge(base, modelValues, count, mean, out, null);
    }

    /** As {@link #disjointMerge(float[], float[][], int, boolean, float[])}; with a deferred majority, reports the
     * entries whose value depends on it. */
    public void disjointMerge(float[] base, float[][] modelValues, int count, boolean mean, float[] out,
                              ZeroSumEntries zeroSums) {
        requireReady();
        Scratch s = borrowScratch();
        try {
            long balance = 0;
            for (int from = 0; from < count; from += BLOCK) {
                balance += disjointMerge(s, base, modelValues, from, Math.min(BLOCK, count - from), mean, out, zeroSums);
            }
            if (deferMajority) {
                addBalance(balance);
            }
        } finally {
            giveBack(s);
        }
    }

    /** The block {@code [from, from + count)} of the chunk; returns its sign balance (0 without a deferred majority). */
    private long disjointMerge(Scratch s, float[] base, float[][] modelValues, int from, int count, boolean mean,
                               float[] out, ZeroSumEntries zeroSums) {
        trim(s, base, modelValues, from, count);
        long balance = 0;
        if (deferMajority) {
            balance = balance(s, count);
            reportZeroSums(s, from, count, mean, zeroSums);
        }
        elect(s, count);
        float[] e = s.electedSigns;
        float[][] trimmed = s.trimmed;
        float[] kept = s.kept;
        Arrays.fill(out, from, from + count, 0f);
        if (mean) {
            Arrays.fill(kept, 0, count, 0f);
        }
        for (int k = 0; k < models; k++) {
            float[] t = trimmed[k];
            for (int i = 0; i < count; i++) {
                float agreeing = Math.max(t[i] * e[i], 0f); // |t| where t agrees, else 0
                out[from + i] += agreeing * e[i];
            }
            if (mean) {
                for (int i = 0; i < count; i++) {
                    kept[i] += positive(t[i] * e[i]) & 1;
                }
            }
        }
        if (mean) {
            for (int i = 0; i < count; i++) {
                out[from + i] /= Math.max(kept[i], 1f);
            }
        }
        return balance;
    }

    /** All ones when x &gt; 0 (bits a positive non-zero int), else 0: no branch. */
    private static int positive(float x) {
        int bits = Float.floatToRawIntBits(x);
        return ((-bits) & ~bits) >> 31;
    }

    /** Entries whose trimmed values cancel exactly although some are non-zero: their kept set depends on the majority. */
    private void reportZeroSums(Scratch s, int from, int count, boolean mean, ZeroSumEntries zeroSums) {
        // a branch-free scan first: exact cancellations are rare, zero sums of all-zero entries are common
        int any = 0;
        float[] sum = s.sums;
        float[] mag = s.magnitudes;
        float[] sums = s.sums;
        float[] magnitudes = s.magnitudes;
        float[][] trimmed = s.trimmed;
        for (int i = 0; i < count; i++) {
            int zero = ((Float.floatToRawIntBits(sum[i]) & ABS) - 1) >> 31;
            any |= zero & positive(mag[i]);
        }
        if (any == 0) {
            return;
        }
        for (int i = 0; i < count; i++) {
            // rare: the sum is ±0 although some trimmed entry is not
            if ((Float.floatToRawIntBits(sums[i]) & ABS) != 0 || magnitudes[i] == 0f) {
                continue;
            }
            float acc = 0f;
            int negatives = 0;
            boolean anyNonZero = false;
            for (int k = 0; k < models; k++) {
                float t = trimmed[k][i];
                anyNonZero |= t != 0;
                if (t < 0) {
                    acc += t;
                    negatives++;
                }
            }
            if (anyNonZero) {
                if (zeroSums == null) {
                    throw new IllegalStateException("deferred majority needs a receiver of zero-sum entries");
                }
                zeroSums.accept(from + i, mean ? acc / Math.max(negatives, 1) : acc);
            }
        }
    }
}
