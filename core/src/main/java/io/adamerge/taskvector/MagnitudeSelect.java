package io.adamerge.taskvector;

/**
 * The exact k-th smallest magnitude (1-based) of a stream of floats that is too large to hold, found by
 * radix selection over the float bits in two passes over the same stream. For non-negative floats
 * the order of the raw bits is the order of the values, so pass 1 counts the high 16 bits of |x|
 * (finding the bucket that holds rank k) and pass 2 counts the low 16 bits of the values in that bucket.
 * Memory: two histograms of 2^15 and 2^16 counters. NaN magnitudes count as larger than infinity.
 */
public final class MagnitudeSelect {
    private static final int ABS = 0x7fffffff;

    private final long rank;
    private long[] coarse = new long[1 << 15];
    private long[] fine;
    private int bucket = -1;
    private long rankInBucket;
    private long seen;
    private int thresholdBits = -1;

    /** @param rank 1-based rank of the wanted magnitude among all values streamed in a pass */
    public MagnitudeSelect(long rank) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, got " + rank);
        }
        this.rank = rank;
    }

    /** Which pass the next values belong to: 1, 2, or 0 when the threshold is known. */
    public int pass() {
        return thresholdBits >= 0 ? 0 : fine == null ? 1 : 2;
    }

    /** Streams the magnitudes of {@code a[i] - b[i]} (or of {@code a[i]} when b is null) for i in [0, count). */
    public void acceptDifference(float[] a, float[] b, int count) {
        if (fine == null) {
            long[] h = coarse;
            if (b == null) {
                for (int i = 0; i < count; i++) {
                    h[(Float.floatToRawIntBits(a[i]) & ABS) >>> 16]++;
                }
            } else {
                for (int i = 0; i < count; i++) {
                    h[(Float.floatToRawIntBits(a[i] - b[i]) & ABS) >>> 16]++;
                }
            }
            seen += count;
        } else if (thresholdBits < 0) {
            long[] h = fine;
            int want = bucket;
            for (int i = 0; i < count; i++) {
                int bits = Float.floatToRawIntBits(b == null ? a[i] : a[i] - b[i]) & ABS;
                if ((bits >>> 16) == want) {
                    h[bits & 0xffff]++;
                }
            }
        } else {
            throw new IllegalStateException("threshold already selected");
        }
    }

    /** Ends the current pass; returns true when the threshold is known. */
    public boolean endPass() {
        if (fine == null) {
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
            return false;
        }
        long below = 0;
        for (int low = 0; low < fine.length; low++) {
            if (below + fine[low] >= rankInBucket) {
                thresholdBits = (bucket << 16) | low;
                break;
            }
            below += fine[low];
        }
        if (thresholdBits < 0) {
            throw new IllegalStateException("pass 2 saw other values than pass 1");
        }
        fine = null;
        return true;
    }

    /** The raw bits of the selected magnitude (a non-negative float). */
    public int thresholdBits() {
        if (thresholdBits < 0) {
            throw new IllegalStateException("threshold not selected yet (pass " + pass() + ")");
        }
        return thresholdBits;
    }

    public float threshold() {
        return Float.intBitsToFloat(thresholdBits());
    }
}
