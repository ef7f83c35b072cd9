package io.adamerge.taskvector;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The thin SVD {@code A = U·diag(s)·Vᵀ} in double precision (EJML), singular values in descending order:
 * {@code u} is m×r, {@code s} has r values, {@code vt} is r×n, with r = min(m, n).
 */
public record ThinSvd(DMatrixRMaj u, double[] s, DMatrixRMaj vt) {

    public static ThinSvd of(DMatrixRMaj a) {
        int m = a.numRows;
        int n = a.numCols;
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        // EJML may modify its input
        if (!svd.decompose(a.copy())) {
            throw new IllegalStateException("the SVD of a " + m + "x" + n + " matrix did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        int r = Math.min(m, n);
        double[] s = new double[r];
        for (int i = 0; i < r; i++) {
            s[i] = w.get(i, i);
        }
        DMatrixRMaj vt = new DMatrixRMaj(v.numCols, v.numRows);
        CommonOps_DDRM.transpose(v, vt);
        // the compact decomposition is already thin; make sure of r columns / rows
        return new ThinSvd(CommonOps_DDRM.extract(u, 0, m, 0, r), s, CommonOps_DDRM.extract(vt, 0, r, 0, n));
    }

    /** The first {@code k} columns of U. */
    public DMatrixRMaj leftColumns(int k) {
        return CommonOps_DDRM.extract(u, 0, u.numRows, 0, k);
    }

    /** The first {@code k} rows of Vᵀ. */
    public DMatrixRMaj rightRows(int k) {
        return CommonOps_DDRM.extract(vt, 0, k, 0, vt.numCols);
    }

    /**
     * polar(X): the nearest matrix with orthonormal columns (X tall) or rows (X wide), P·Qᵀ from the thin SVD
     * X = P·Σ·Qᵀ.
     */
    public static DMatrixRMaj polar(DMatrixRMaj x) {
        ThinSvd svd = of(x);
        DMatrixRMaj out = new DMatrixRMaj(x.numRows, x.numCols);
        CommonOps_DDRM.mult(svd.u, svd.vt, out);
        return out;
    }
}
