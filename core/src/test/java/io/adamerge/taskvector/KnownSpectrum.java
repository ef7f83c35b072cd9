package io.adamerge.taskvector;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/** Test matrices of a chosen spectrum, for checking decompositions against what they must find. */
public final class KnownSpectrum {
    private KnownSpectrum() {
    }

    /** U·diag(s)·Vᵀ with random orthonormal U (m×r) and V (n×r). */
    public static DMatrixRMaj matrix(int m, int n, double[] s, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj u = orthonormal(m, s.length, random);
        DMatrixRMaj v = orthonormal(n, s.length, random);
        DMatrixRMaj us = u.copy();
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < s.length; c++) {
                us.set(r, c, u.get(r, c) * s[c]);
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(us, v, a);
        return a;
    }

    public static DMatrixRMaj orthonormal(int rows, int cols, Random random) {
        DMatrixRMaj g = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = random.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        qr.decompose(g);
        return qr.getQ(null, true);
    }
}
