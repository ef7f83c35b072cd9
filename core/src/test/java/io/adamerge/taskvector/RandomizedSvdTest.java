package io.adamerge.taskvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/** The randomized leading singular triplets against EJML's exact SVD ({@link ThinSvd}) on matrices of known spectrum. */
class RandomizedSvdTest {
    static DMatrixRMaj product(ThinSvd svd) {
        DMatrixRMaj us = svd.u().copy();
        for (int r = 0; r < us.numRows; r++) {
            for (int c = 0; c < us.numCols; c++) {
                us.set(r, c, us.get(r, c) * svd.s()[c]);
            }
        }
        DMatrixRMaj out = new DMatrixRMaj(us.numRows, svd.vt().numCols);
        CommonOps_DDRM.mult(us, svd.vt(), out);
        return out;
    }

    static double squaredError(DMatrixRMaj a, ThinSvd svd) {
        DMatrixRMaj d = a.copy();
        CommonOps_DDRM.subtractEquals(d, product(svd));
        double f = NormOps_DDRM.normF(d);
        return f * f;
    }

    @Test
    void aMatrixOfLowRankComesBackExactly() {
        DMatrixRMaj a = KnownSpectrum.matrix(200, 120, new double[] {5, 3, 1}, 1);
        ThinSvd svd = RandomizedSvd.leading(a, 3);
        assertThat(svd.s()).hasSize(3);
        assertThat(svd.s()[0]).isCloseTo(5, within(1e-10));
        assertThat(svd.s()[1]).isCloseTo(3, within(1e-10));
        assertThat(svd.s()[2]).isCloseTo(1, within(1e-10));
        assertThat(svd.u().numRows).isEqualTo(200);
        assertThat(svd.vt().numCols).isEqualTo(120);
        assertThat(squaredError(a, svd)).isLessThan(1e-18 * 35);
    }

    @Test
    void onADecayingSpectrumItMatchesTheExactLeadingTripletsAndError() {
        double[] s = new double[100];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.pow(0.8, i);
        }
        DMatrixRMaj a = KnownSpectrum.matrix(300, 200, s, 2);
        int k = 10;
        ThinSvd exact = ThinSvd.of(a);
        ThinSvd fast = RandomizedSvd.leading(a, k);
        for (int i = 0; i < k; i++) {
            assertThat(fast.s()[i]).isCloseTo(exact.s()[i], within(1e-6 * exact.s()[0]));
        }
        double optimal = 0;
        for (int i = k; i < exact.s().length; i++) {
            optimal += exact.s()[i] * exact.s()[i];
        }
        double err = squaredError(a, fast);
        assertThat(err).isGreaterThanOrEqualTo(optimal * (1 - 1e-9)).isLessThan(optimal * (1 + 1e-3));
        // the error it reports from its own values (‖A‖² − Σ s_i²) is the error of what it returns
        double norm = NormOps_DDRM.normF(a);
        double kept = 0;
        for (double v : fast.s()) {
            kept += v * v;
        }
        assertThat(norm * norm - kept).isCloseTo(err, within(1e-9 * norm * norm));
    }

    @Test
    void theSameSeedGivesTheSameBitsAndAWideSketchIsTheExactSvd() {
        DMatrixRMaj a = KnownSpectrum.matrix(80, 60, new double[] {4, 2, 1, 0.5, 0.25}, 3);
        ThinSvd one = RandomizedSvd.leading(a, 2, 10, 2, 7);
        ThinSvd two = RandomizedSvd.leading(a, 2, 10, 2, 7);
        assertThat(one.s()).isEqualTo(two.s());
        assertThat(one.u().data).isEqualTo(two.u().data);
        // k + oversample ≥ min(m, n): the exact thin SVD, truncated
        ThinSvd wide = RandomizedSvd.leading(a, 55, 10, 2, 7);
        ThinSvd exact = ThinSvd.of(a);
        assertThat(wide.s()).hasSize(55);
        for (int i = 0; i < 55; i++) {
            assertThat(wide.s()[i]).isEqualTo(exact.s()[i]);
        }
    }
}
