package io.adamerge.taskvector;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * The leading {@code k} singular triplets of a matrix by a randomized range finder (Halko, Martinsson and Tropp 2011,
 * algorithms 4.4 and 5.1): {@code Y = A·Ω} for a Gaussian Ω of {@code k + oversample} columns, {@code powerIterations}
 * rounds of {@code Aᵀ} and {@code A} with re-orthonormalisation in between, {@code Q} an orthonormal basis of the range,
 * then the exact thin SVD of the small {@code B = Qᵀ·A}. About {@code (2q + 2)·m·n·(k + p)} multiply-adds instead of a
 * full SVD's {@code O(m·n·min(m, n))}. Deterministic for a seed. The result {@code U_k·diag(s_k)·V_kᵀ} is
 * {@code U_k·U_kᵀ·A}, a projection of A, so {@code ‖A − U_k·diag(s_k)·V_kᵀ‖² = ‖A‖² − Σ s_i²} holds exactly for what it
 * returns; how close it is to the optimal rank-k error depends on the spectrum's decay (exact when rank(A) ≤ k + p).
 */
public final class RandomizedSvd {
    /** Extra columns of the sketch beyond k (Halko et al.'s suggested p). */
    public static final int DEFAULT_OVERSAMPLE = 10;
    /** Rounds of Aᵀ·A applied to the sketch; two make slowly decaying spectra (task vectors') close to exact. */
    public static final int DEFAULT_POWER_ITERATIONS = 2;

    private RandomizedSvd() {
    }

    /** The leading {@code k} triplets with the default oversampling and power iterations, seed 0. */
    public static ThinSvd leading(DMatrixRMaj a, int k) {
        return leading(a, k, DEFAULT_OVERSAMPLE, DEFAULT_POWER_ITERATIONS, 0);
    }

    /**
     * @return u (m×k'), s (k' values, descending), vt (k'×n), with k' = min(k, m, n); the exact thin SVD's first k'
     *         triplets when the sketch spans all of A's columns or rows
     */
    public static ThinSvd leading(DMatrixRMaj a, int k, int oversample, int powerIterations, long seed) {
        int m = a.numRows;
        int n = a.numCols;
        int r = Math.min(m, n);
        int kk = Math.min(k, r);
        int l = Math.min(r, kk + oversample);
        if (l == r) {
            // the sketch would be as wide as the matrix: the exact SVD costs no more
            ThinSvd full = ThinSvd.of(a);
            return truncate(full, kk);
        }
        Random random = new Random(seed);
        DMatrixRMaj omega = new DMatrixRMaj(n, l);
        for (int i = 0; i < omega.data.length; i++) {
            omega.data[i] = random.nextGaussian();
        }
        DMatrixRMaj q = orthonormal(mult(a, omega, false));
        for (int it = 0; it < powerIterations; it++) {
            DMatrixRMaj z = orthonormal(mult(a, q, true)); // n×l: Aᵀ·Q
            q = orthonormal(mult(a, z, false)); // m×l: A·Z
        }
        DMatrixRMaj b = new DMatrixRMaj(l, n);
        CommonOps_DDRM.multTransA(q, a, b); // Qᵀ·A
        ThinSvd small = ThinSvd.of(b);
        DMatrixRMaj u = new DMatrixRMaj(m, small.u().numCols);
        CommonOps_DDRM.mult(q, small.u(), u);
        return truncate(new ThinSvd(u, small.s(), small.vt()), kk);
    }

    private static DMatrixRMaj mult(DMatrixRMaj a, DMatrixRMaj x, boolean transposeA) {
        DMatrixRMaj out = new DMatrixRMaj(transposeA ? a.numCols : a.numRows, x.numCols);
        if (transposeA) {
            CommonOps_DDRM.multTransA(a, x, out);
        } else {
            CommonOps_DDRM.mult(a, x, out);
        }
        return out;
    }

    /** An orthonormal basis of the columns of a tall {@code y} (its thin QR's Q). */
    private static DMatrixRMaj orthonormal(DMatrixRMaj y) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(y.numRows, y.numCols);
        if (!qr.decompose(y)) {
            throw new IllegalStateException("QR of a " + y.numRows + "x" + y.numCols + " sketch failed");
        }
        return qr.getQ(null, true);
    }

    private static ThinSvd truncate(ThinSvd svd, int k) {
        double[] s = java.util.Arrays.copyOf(svd.s(), k);
        return new ThinSvd(svd.leftColumns(k), s, svd.rightRows(k));
    }
}
