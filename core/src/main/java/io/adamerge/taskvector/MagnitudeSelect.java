package io.adamerge.taskvector;

import java.util.Arrays;

/**
 * The exact k-th smallest magnitude (1-based) of a stream of floats that is too large to hold, found by radix
 * selection over the float bits. For non-negative floats the order of the raw bits is the order of the values,
 * so a {@link Stage#COARSE} pass counts the high 16 bits of |x| (finding the bucket that holds rank k) and a
 * {@link Stage#FINE} pass counts the low 16 bits of the values in that bucket.
 *
 * <p>Optionally a {@link Stage#SAMPLE} pass over a subset of the stream comes first: it estimates where the
 * threshold lies, and the coarse pass then only counts the values below a band of buckets around the estimate and
 * keeps the bits of the values in the band (no histogram of every bucket: one scan without scattered increments).
 * When the k-th value falls in the band (the usual case) the threshold is known after that pass; otherwise (the
 * sample misled, or the band outgrew its budget) a full coarse pass and the fine pass follow. Either way the
 * result is exact. NaN magnitudes count as larger than infinity.
 *
 * <p>Several threads can stream one pass: each into its own {@link #partial()}, all {@link #absorb absorbed}
 * before {@link #endPass()}. Counts add exactly, so the result does not depend on how the values were split. A
 * partial hands its band values to this selection after each call, so the band is held once, as with one thread.
 */
public final class MagnitudeSelect {
    /** The passes, in order; {@link #DONE} when the threshold is known. */
    public enum Stage { SAMPLE, COARSE, FINE, DONE }

    private static final int ABS = 0x7fffffff;
    private static final int BUCKETS = 1 << 15;
    /** An int lane cannot overflow before this many values were added since the last flush. */
    private static final long FLUSH_AFTER = Integer.MAX_VALUE;
    /**
     * Half-width of the band in quantile terms: the sample's estimate ± 0.5% of the values. A sample of 1/16 of
     * the chunks places the quantile far more precisely; a narrow band keeps the exact counts small and cheap.
     */
    private static final double BAND_QUANTILE = 0.005;

    private final long rank;
    private final long total;
    private final int maxBandBuckets;
    private final int maxBandValues;
    private Stage stage;
    private long[] sample;
    private long sampled;
    private long[] coarse;
    private int[][] lanes;
    private long seenSinceFlush;
    private long seen;
    private int bandLow;
    /**
     * The current coarse pass is the banded one (after the sample): it counts the values below the band
     * ({@link #below}) and keeps the band's values, without the histogram.
     */
    private boolean banded;
    /** Values whose magnitude lies below the band, in the banded coarse pass. */
    private long below;
    /** Raw bits of the values that fell in the band during the coarse pass ([0, bandSize)). */
    private int[] band;
    private int bandSize;
    /** The selection this is a {@link #partial()} of, or null. */
    private final MagnitudeSelect parent;
    private int bandBuckets;
    private long[] fine;
    private int bucket = -1;
    private long rankInBucket;
    private int thresholdBits = -1;

    /** Two passes (coarse, fine). @param rank 1-based rank of the wanted magnitude among all values of a pass */
    public MagnitudeSelect(long rank) {
        this(rank, 0, 0);
    }

    /**
     * With a sample pass first when {@code maxBandBuckets > 0}.
     *
     * @param rank           1-based rank of the wanted magnitude among all values of a full pass
     * @param total          number of values in a full pass (the quantile of the rank is rank / total)
     * @param maxBandBuckets most coarse buckets the band spans
     */
    public MagnitudeSelect(long rank, long total, int maxBandBuckets) {
        this(rank, total, maxBandBuckets, 1 << 22);
    }

    /** @param maxBandValues most band values kept (4 bytes each); beyond, the fine pass runs */
    public MagnitudeSelect(long rank, long total, int maxBandBuckets, int maxBandValues) {
        this(rank, total, maxBandBuckets, maxBandValues, false);
    }

    private MagnitudeSelect(long rank, long total, int maxBandBuckets, int maxBandValues, boolean keepAll) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, got " + rank);
        }
        this.rank = rank;
        this.total = total;
        this.maxBandBuckets = maxBandBuckets;
        this.maxBandValues = maxBandValues;
        this.parent = null;
        if (maxBandBuckets > 0 && total >= rank) {
            stage = Stage.SAMPLE;
            sample = new long[BUCKETS];
        } else if (keepAll) {
            // a band of every bucket
            stage = Stage.COARSE;
            banded = true;
            bandLow = 0;
            bandBuckets = BUCKETS;
            band = new int[Math.min(maxBandValues, 1 << 12)];
        } else {
            startCoarse();
        }
    }

    /**
     * One pass for a short stream: it keeps every value's bits (a band of all buckets) and selects among them.
     *
     * @param total number of values in the pass, at most {@code Integer.MAX_VALUE - 8}
     */
    public static MagnitudeSelect keepingAll(long rank, long total) {
        if (total < rank || total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot keep " + total + " values for rank " + rank);
        }
        return new MagnitudeSelect(rank, total, 0, (int) total, true);
    }

    /** An empty accumulator for the current pass, with this one's stage, band and bucket. */
    private MagnitudeSelect(MagnitudeSelect parent) {
        this.rank = parent.rank;
        this.total = parent.total;
        this.maxBandBuckets = parent.maxBandBuckets;
        this.maxBandValues = parent.maxBandValues;
        this.parent = parent;
        this.stage = parent.stage;
        switch (stage) {
            case SAMPLE -> sample = new long[BUCKETS];
            case COARSE -> {
                if (parent.banded) {
                    stage = Stage.COARSE;
                    banded = true;
                    bandLow = parent.bandLow;
                    bandBuckets = parent.bandBuckets;
                    // one call's band values at a time: handed to the parent after each call (none when the
                    // parent's band already outgrew its budget: this pass cannot give the threshold)
                    if (parent.band != null) {
                        band = new int[Math.min(1 << 12, Math.max(1, maxBandValues))];
                    }
                } else {
                    startCoarse();
                }
            }
            case FINE -> {
                bucket = parent.bucket;
                fine = new long[1 << 16];
            }
            case DONE -> throw new IllegalStateException("threshold already selected");
        }
    }

    /** A fresh accumulator for one thread's share of the current pass; {@link #absorb} it before {@link #endPass()}. */
    public MagnitudeSelect partial() {
        return new MagnitudeSelect(this);
    }

    /** Adds what a {@link #partial()} of this pass counted. */
    public void absorb(MagnitudeSelect part) {
        if (part.stage != stage) {
            throw new IllegalStateException("a partial of stage " + part.stage + " absorbed in stage " + stage);
        }
        switch (stage) {
            case SAMPLE -> {
                for (int j = 0; j < BUCKETS; j++) {
                    sample[j] += part.sample[j];
                }
                sampled += part.sampled;
            }
            case COARSE -> {
                if (banded) {
                    below += part.below;
                } else {
                    part.flush();
                    for (int j = 0; j < BUCKETS; j++) {
                        coarse[j] += part.coarse[j];
                    }
                }
                seen += part.seen;
            }
            case FINE -> {
                for (int j = 0; j < fine.length; j++) {
                    fine[j] += part.fine[j];
                }
            }
            case DONE -> throw new IllegalStateException("threshold already selected");
        }
    }

    /**
     * Appends a partial's band values of one call to this band. Over the budget (in all, whoever counted them, so
     * exactly when one thread alone would have been) the band is given up and a full coarse pass will run.
     */
    private synchronized void takeBand(MagnitudeSelect part) {
        if (band == null || part.band == null) {
            band = null;
            part.band = null;
            return;
        }
        long total = (long) bandSize + part.bandSize;
        if (total > maxBandValues) {
            band = null;
            part.band = null;
            return;
        }
        if (total > band.length) {
            band = Arrays.copyOf(band, (int) Math.min(maxBandValues, Math.max(total, 2L * band.length)));
        }
        System.arraycopy(part.band, 0, band, bandSize, part.bandSize);
        bandSize = (int) total;
        part.bandSize = 0;
    }

    /** A coarse pass with the histogram of every bucket. */
    private void startCoarse() {
        stage = Stage.COARSE;
        banded = false;
        band = null;
        coarse = new long[BUCKETS];
        lanes = new int[4][BUCKETS];
    }

    public Stage stage() {
        return stage;
    }

    /** Whether the current pass is a banded coarse pass (or one that keeps every value), whose partials are small. */
    public boolean banded() {
        return stage == Stage.COARSE && banded;
    }

    /** Streams the magnitudes of {@code a[i] - b[i]} (or of {@code a[i]} when b is null) for i in [0, count). */
    public void acceptDifference(float[] a, float[] b, int count) {
        switch (stage) {
            case SAMPLE -> {
                for (int i = 0; i < count; i++) {
                    sample[magnitudeBits(a, b, i) >>> 16]++;
                }
                sampled += count;
            }
            case COARSE -> {
                if (!banded) {
                    coarse(a, b, count);
                } else if (band != null) {
                    bandCounts(a, b, count);
                    if (parent != null) {
                        parent.takeBand(this);
                    }
                } else {
                    seen += count; // the band outgrew its budget: this pass will not give the threshold
                }
            }
            case FINE -> {
                long[] h = fine;
                int want = bucket;
                for (int i = 0; i < count; i++) {
                    int bits = magnitudeBits(a, b, i);
                    if ((bits >>> 16) == want) {
                        h[bits & 0xffff]++;
                    }
                }
            }
            case DONE -> throw new IllegalStateException("threshold already selected");
        }
    }

    private static int magnitudeBits(float[] a, float[] b, int i) {
        return Float.floatToRawIntBits(b == null ? a[i] : a[i] - b[i]) & ABS;
    }

    private void coarse(float[] a, float[] b, int count) {
        // four interleaved int histograms: consecutive values often fall in one bucket, and one histogram would
        // make every increment wait for the previous one
        if (seenSinceFlush + count > FLUSH_AFTER) {
            flush();
        }
        int[] h0 = lanes[0];
        int[] h1 = lanes[1];
        int[] h2 = lanes[2];
        int[] h3 = lanes[3];
        int i = 0;
        if (b == null) {
            for (; i + 3 < count; i += 4) {
                h0[(Float.floatToRawIntBits(a[i]) & ABS) >>> 16]++;
                h1[(Float.floatToRawIntBits(a[i + 1]) & ABS) >>> 16]++;
                h2[(Float.floatToRawIntBits(a[i + 2]) & ABS) >>> 16]++;
                h3[(Float.floatToRawIntBits(a[i + 3]) & ABS) >>> 16]++;
            }
        } else {
            for (; i + 3 < count; i += 4) {
                h0[(Float.floatToRawIntBits(a[i] - b[i]) & ABS) >>> 16]++;
                h1[(Float.floatToRawIntBits(a[i + 1] - b[i + 1]) & ABS) >>> 16]++;
                h2[(Float.floatToRawIntBits(a[i + 2] - b[i + 2]) & ABS) >>> 16]++;
                h3[(Float.floatToRawIntBits(a[i + 3] - b[i + 3]) & ABS) >>> 16]++;
            }
        }
        for (; i < count; i++) {
            h0[magnitudeBits(a, b, i) >>> 16]++;
        }
        seen += count;
        seenSinceFlush += count;
    }

    /**
     * The banded coarse pass over one call's values: counts those below the band and keeps the raw bits of those in
     * it (a small share: the branch is rarely taken, and appending is sequential). Too many for the budget: the
     * band is given up and a full coarse pass will run.
     */
    private void bandCounts(float[] a, float[] b, int count) {
        int low = bandLow;
        int lastOffset = bandBuckets - 1;
        int[] kept = band;
        int n = bandSize;
        int under = 0; // at most count
        for (int i = 0; i < count; i++) {
            int bits = magnitudeBits(a, b, i);
            int offset = (bits >>> 16) - low;
            under += offset >>> 31; // 1 when offset < 0: below the band
            // in the band when 0 ≤ offset ≤ lastOffset, i.e. neither offset nor lastOffset − offset is negative
            if ((offset | (lastOffset - offset)) >= 0) {
                if (n == kept.length) {
                    if (n >= maxBandValues) {
                        band = null;
                        seen += count;
                        return;
                    }
                    kept = Arrays.copyOf(kept, (int) Math.min(maxBandValues, 2L * n));
                    band = kept;
                }
                kept[n++] = bits;
            }
        }
        bandSize = n;
        below += under;
        seen += count;
    }

    /** Adds the int lanes into the long histogram before any lane could overflow. */
    private void flush() {
        for (int[] lane : lanes) {
            for (int j = 0; j < lane.length; j++) {
                coarse[j] += lane[j];
                lane[j] = 0;
            }
        }
        seenSinceFlush = 0;
    }

    /** Ends the current pass; returns true when the threshold is known. */
    public boolean endPass() {
        switch (stage) {
            case SAMPLE -> {
                chooseBand();
                sample = null;
                if (band != null) {
                    stage = Stage.COARSE;
                    banded = true;
                } else {
                    startCoarse();
                }
                return false;
            }
            case COARSE -> {
                if (banded) {
                    return endBandedPass();
                }
                flush();
                lanes = null;
                if (rank > seen) {
                    throw new IllegalStateException("rank " + rank + " exceeds the " + seen + " values streamed");
                }
                long below = 0;
                for (int b = 0; b < coarse.length; b++) {
                    if (below + coarse[b] >= rank) {
                        bucket = b;
                        rankInBucket = rank - below;
                        break;
                    }
                    below += coarse[b];
                }
                coarse = null;
                fine = new long[1 << 16];
                stage = Stage.FINE;
                return false;
            }
            case FINE -> {
                select(fine, 0);
                fine = null;
                return true;
            }
            default -> throw new IllegalStateException("threshold already selected");
        }
    }

    /**
     * The end of the banded coarse pass: the threshold from the band's values when the rank falls among them;
     * otherwise a full coarse pass follows (returns false, stage {@link Stage#COARSE}).
     */
    private boolean endBandedPass() {
        if (rank > seen) {
            throw new IllegalStateException("rank " + rank + " exceeds the " + seen + " values streamed");
        }
        if (band != null && rank > below && rank - below <= bandSize) {
            long[] perBucket = new long[bandBuckets];
            for (int i = 0; i < bandSize; i++) {
                perBucket[(band[i] >>> 16) - bandLow]++;
            }
            long under = below;
            for (int b = 0; b < bandBuckets; b++) {
                if (under + perBucket[b] >= rank) {
                    bucket = bandLow + b;
                    rankInBucket = rank - under;
                    break;
                }
                under += perBucket[b];
            }
            long[] exact = new long[1 << 16];
            countBucket(band, bandSize, exact);
            band = null;
            banded = false;
            select(exact, 0);
            return true;
        }
        seen = 0;
        below = 0;
        bandSize = 0;
        startCoarse();
        return false;
    }

    private void countBucket(int[] values, int size, long[] exact) {
        for (int i = 0; i < size; i++) {
            if ((values[i] >>> 16) == bucket) {
                exact[values[i] & 0xffff]++;
            }
        }
    }

    /** The threshold from exact low-bit counts of the wanted bucket at {@code h[from, from + 2^16)}. */
    private void select(long[] h, int from) {
        long below = 0;
        for (int low = 0; low < 1 << 16; low++) {
            long c = h[from + low];
            if (below + c >= rankInBucket) {
                thresholdBits = (bucket << 16) | low;
                stage = Stage.DONE;
                return;
            }
            below += c;
        }
        throw new IllegalStateException("the passes saw different values");
    }

    /**
     * The buckets holding the sample's quantiles rank/total ± 0.5%, widened by one bucket, at most
     * maxBandBuckets, then narrowed from the side farther from the estimate until the values the sample predicts
     * for it (with a 25% margin) fit the budget. No band when even one bucket would not fit.
     */
    private void chooseBand() {
        if (sampled == 0) {
            return;
        }
        double q = (double) rank / total;
        int centre = bucketAtQuantile(q);
        int lo = Math.max(0, bucketAtQuantile(Math.max(0, q - BAND_QUANTILE)) - 1);
        int hi = Math.min(BUCKETS - 1, bucketAtQuantile(Math.min(1, q + BAND_QUANTILE)) + 1);
        double scale = 1.25 * total / sampled;
        while (true) {
            if (hi - lo + 1 <= maxBandBuckets) {
                double expected = 0;
                for (int b = lo; b <= hi; b++) {
                    expected += sample[b] * scale;
                }
                if (expected <= maxBandValues) {
                    bandLow = lo;
                    bandBuckets = hi - lo + 1;
                    band = new int[(int) Math.max(1 << 12, Math.min(maxBandValues, expected))];
                    return;
                }
            }
            if (lo == hi) {
                return;
            }
            if (centre - lo > hi - centre) {
                lo++;
            } else {
                hi--;
            }
        }
    }

    private int bucketAtQuantile(double q) {
        long want = Math.max(1, (long) Math.ceil(q * sampled));
        long below = 0;
        for (int b = 0; b < sample.length; b++) {
            below += sample[b];
            if (below >= want) {
                return b;
            }
        }
        return sample.length - 1;
    }

    /** The raw bits of the selected magnitude (a non-negative float). */
    public int thresholdBits() {
        if (stage != Stage.DONE) {
            throw new IllegalStateException("threshold not selected yet (stage " + stage + ")");
        }
        return thresholdBits;
    }

    public float threshold() {
        return Float.intBitsToFloat(thresholdBits());
    }
}
