package io.adamerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SpearmanTest {
    @Test
    void withoutTiesItIsOneMinusSixSumOfSquaredRankDifferences() {
        // ranks of y: 1 3 2 4, d = 0 −1 1 0: ρ = 1 − 6·2 / (4·15) = 0.8
        assertThat(Spearman.rho(new double[] {10, 20, 30, 40}, new double[] {1, 3, 2, 4})).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void tiesShareTheirMeanRank() {
        // y = 5 6 7 8 7 has ranks 1 2 3.5 5 3.5; with x's ranks 1..5: Σdxdy = 8, Σdx² = 10, Σdy² = 9.5, ρ = 8/√95
        assertThat(Spearman.ranks(new double[] {5, 6, 7, 8, 7})).containsExactly(1, 2, 3.5, 5, 3.5);
        assertThat(Spearman.rho(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7})).isCloseTo(8 / Math.sqrt(95), within(1e-12));
    }

    @Test
    void reversedOrderIsMinusOne() {
        assertThat(Spearman.rho(new double[] {1, 2, 3}, new double[] {0.3, 0.2, 0.1})).isCloseTo(-1, within(1e-12));
    }

    @Property(tries = 50)
    void invariantUnderMonotoneMaps(@ForAll @Size(min = 3, max = 20) @DoubleRange(min = -50, max = 50) double[] x,
                                    @ForAll @Size(min = 3, max = 20) @DoubleRange(min = -50, max = 50) double[] y) {
        int n = Math.min(x.length, y.length);
        double[] a = java.util.Arrays.copyOf(x, n);
        double[] b = java.util.Arrays.copyOf(y, n);
        if (java.util.Arrays.stream(a).distinct().count() < 2 || java.util.Arrays.stream(b).distinct().count() < 2) {
            return; // a constant sample has no rank correlation
        }
        double rho = Spearman.rho(a, b);
        double[] mapped = java.util.Arrays.stream(a).map(v -> Math.atan(v) * 3 + 1).toArray();
        if (java.util.Arrays.stream(mapped).distinct().count() != java.util.Arrays.stream(a).distinct().count()) {
            return; // rounding merged two values: a tie the original did not have
        }
        assertThat(rho).isBetween(-1 - 1e-12, 1 + 1e-12);
        assertThat(Spearman.rho(mapped, b)).isCloseTo(rho, within(1e-9));
        assertThat(Spearman.rho(b, a)).isCloseTo(rho, within(1e-12));
    }

    @Property(tries = 30)
    void aSampleWithItselfIsOne(@ForAll @Size(min = 2, max = 30) double[] x) {
        if (java.util.Arrays.stream(x).distinct().count() < 2) {
            return;
        }
        assertThat(Spearman.rho(x, x)).isCloseTo(1, within(1e-12));
    }
}
