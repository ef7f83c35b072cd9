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
    /** An int lane cannot overflow before this many values were added since the last flush. */
    private static final long FLUSH_AFTER = Integer.MAX_VALUE;

    private long[] coarse = new long[1 << 15];
    private int[][] lanes = new int[4][1 << 15];
    private long seenSinceFlush;
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
                for (; i < count; i++) {
                    h0[(Float.floatToRawIntBits(a[i]) & ABS) >>> 16]++;
                }
            } else {
                for (; i + 3 < count; i += 4) {
                    h0[(Float.floatToRawIntBits(a[i] - b[i]) & ABS) >>> 16]++;
                    h1[(Float.floatToRawIntBits(a[i + 1] - b[i + 1]) & ABS) >>> 16]++;
                    h2[(Float.floatToRawIntBits(a[i + 2] - b[i + 2]) & ABS) >>> 16]++;
                    h3[(Float.floatToRawIntBits(a[i + 3] - b[i + 3]) & ABS) >>> 16]++;
                }
                for (; i < count; i++) {
                    h0[(Float.floatToRawIntBits(a[i] - b[i]) & ABS) >>> 16]++;
                }
            }
            seen += count;
            seenSinceFlush += count;
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
        if (fine == null) {
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
