package io.adamerge.taskvector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Radix selection over float bits equals selection by sorting. */
class MagnitudeSelectTest {

    @Provide
    Arbitrary<float[]> values() {
        // finite floats of every kind, with many repeats: zeros of both signs, subnormals, huge values
        Arbitrary<Float> special = Arbitraries.of(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1f, -1f, 1e-40f, 0.5f);
        Arbitrary<Float> any = Arbitraries.integers().map(Float::intBitsToFloat).filter(Float::isFinite);
        Arbitrary<Float> gaussianish = Arbitraries.floats().between(-1e-3f, 1e-3f).ofScale(9);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, special), net.jqwik.api.Tuple.of(2, any),
                net.jqwik.api.Tuple.of(4, gaussianish)).array(float[].class).ofMinSize(1).ofMaxSize(400);
    }

    /** The {@code rank}-th smallest |value| (1-based): what the selection must find, by sorting. */
    static float rankedMagnitude(float[] values, long rank) {
        float[] mags = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            mags[i] = Math.abs(values[i]);
        }
        Arrays.sort(mags);
        return mags[(int) rank - 1];
    }

    @Property(tries = 500)
    void equalsTheSortedMagnitude(@ForAll("values") float[] values, @ForAll @IntRange(min = 0, max = 10_000) int pick,
                                  @ForAll @IntRange(min = 1, max = 50) int chunk) {
        long rank = 1 + pick % values.length;
        MagnitudeSelect s = new MagnitudeSelect(rank);
        for (MagnitudeSelect.Stage stage : new MagnitudeSelect.Stage[] {MagnitudeSelect.Stage.COARSE,
                MagnitudeSelect.Stage.FINE}) {
            assertThat(s.stage()).isEqualTo(stage);
            for (int from = 0; from < values.length; from += chunk) {
                int n = Math.min(chunk, values.length - from);
                s.acceptDifference(Arrays.copyOfRange(values, from, from + n), null, n);
            }
            assertThat(s.endPass()).isEqualTo(stage == MagnitudeSelect.Stage.FINE);
        }
        assertThat(Float.floatToIntBits(s.threshold())).isEqualTo(Float.floatToIntBits(rankedMagnitude(values, rank)));
    }

    /** A short stream kept whole: one pass, split among partials in any way, gives the sorted magnitude. */
    @Property(tries = 300)
    void keepingAllIsExactInOnePass(@ForAll("values") float[] values, @ForAll @IntRange(min = 0, max = 10_000) int pick,
                                    @ForAll @IntRange(min = 1, max = 50) int chunk,
                                    @ForAll @IntRange(min = 0, max = 3) int partials) {
        long rank = 1 + pick % values.length;
        MagnitudeSelect s = MagnitudeSelect.keepingAll(rank, values.length);
        assertThat(s.stage()).isEqualTo(MagnitudeSelect.Stage.COARSE);
        MagnitudeSelect[] parts = new MagnitudeSelect[partials];
        for (int p = 0; p < partials; p++) {
            parts[p] = s.partial();
        }
        int call = 0;
        for (int from = 0; from < values.length; from += chunk, call++) {
            int n = Math.min(chunk, values.length - from);
            MagnitudeSelect into = partials == 0 ? s : parts[call % partials];
            into.acceptDifference(Arrays.copyOfRange(values, from, from + n), null, n);
        }
        for (MagnitudeSelect p : parts) {
            s.absorb(p);
        }
        assertThat(s.endPass()).isTrue();
        assertThat(Float.floatToIntBits(s.threshold())).isEqualTo(Float.floatToIntBits(rankedMagnitude(values, rank)));
    }

    @Property(tries = 200)
    void selectsOnDifferences(@ForAll("values") float[] a, @ForAll long seed) {
        float[] b = new float[a.length];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        long rank = 1 + r.nextInt(a.length);
        float[] differences = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            differences[i] = a[i] - b[i];
        }
        MagnitudeSelect s = new MagnitudeSelect(rank);
        s.acceptDifference(a, b, a.length);
        s.endPass();
        s.acceptDifference(a, b, a.length);
        s.endPass();
        assertThat(s.threshold()).isEqualTo(rankedMagnitude(differences, rank));
    }

    /**
     * With a sampling pass first: exact whether the sample's band holds the threshold (the banded coarse pass
     * suffices) or not (a full coarse pass and the fine pass). The sample is a stride of the data, or unrelated values to force misses.
     */
    @Property(tries = 500)
    void sampledBandIsExactWhetherItHitsOrMisses(@ForAll("values") float[] values, @ForAll("values") float[] unrelated,
                                                 @ForAll @IntRange(min = 0, max = 10_000) int pick,
                                                 @ForAll @IntRange(min = 1, max = 8) int stride,
                                                 @ForAll boolean representative,
                                                 @ForAll @IntRange(min = 1, max = 32) int bandBuckets,
                                                 @ForAll @IntRange(min = 1, max = 400) int maxBandValues) {
        long rank = 1 + pick % values.length;
        // a small budget for the band's values also forces misses (the band is given up when it overflows)
        MagnitudeSelect s = new MagnitudeSelect(rank, values.length, bandBuckets, maxBandValues);
        assertThat(s.stage()).isEqualTo(MagnitudeSelect.Stage.SAMPLE);
        if (representative) {
            for (int i = 0; i < values.length; i += stride) {
                s.acceptDifference(new float[] {values[i]}, null, 1);
            }
        } else {
            s.acceptDifference(unrelated, null, unrelated.length);
        }
        assertThat(s.endPass()).isFalse();
        assertThat(s.stage()).isEqualTo(MagnitudeSelect.Stage.COARSE);
        s.acceptDifference(values, null, values.length);
        boolean hit = s.endPass();
        net.jqwik.api.statistics.Statistics.label("band").collect(hit ? "hit" : "missed");
        if (!hit) {
            if (s.stage() == MagnitudeSelect.Stage.COARSE) {
                // the banded pass missed: a full coarse pass (without a band the first one was full already)
                s.acceptDifference(values, null, values.length);
                assertThat(s.endPass()).isFalse();
            }
            assertThat(s.stage()).isEqualTo(MagnitudeSelect.Stage.FINE);
            s.acceptDifference(values, null, values.length);
            assertThat(s.endPass()).isTrue();
        }
        assertThat(Float.floatToIntBits(s.threshold())).isEqualTo(Float.floatToIntBits(rankedMagnitude(values, rank)));
        net.jqwik.api.statistics.Statistics.label("band").coverage(c -> {
            c.check("hit").count(n -> n > 0);
            c.check("missed").count(n -> n > 0);
        });
    }
}
