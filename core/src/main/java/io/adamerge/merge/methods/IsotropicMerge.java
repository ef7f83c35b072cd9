package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.merge.MergeSetup;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Iso-C (Marczak et al., ICML 2025, "isotropic merging in the common subspace"): per matrix, the sum of the task
 * vectors with every singular value replaced by their mean: M = σ̄·U·Vᵀ. Other tensors: mean of the task vectors.
 */
public final class IsotropicMerge extends SpectralMerge {
    @Override
    public String name() {
        return "iso_c";
    }

    @Override
    public String description() {
        return "Iso-C: the summed task matrix with a flat spectrum at its mean singular value (ICML 2025)";
    }

    @Override
    DMatrixRMaj mergeMatrix(DMatrixRMaj[] tau, MergeSetup setup) {
        DMatrixRMaj sum = tau[0].copy();
        for (int t = 1; t < tau.length; t++) {
            CommonOps_DDRM.addEquals(sum, tau[t]);
        }
        ThinSvd svd = ThinSvd.of(sum);
        double mean = mean(svd.s());
        DMatrixRMaj out = new DMatrixRMaj(sum.numRows, sum.numCols);
        CommonOps_DDRM.mult(svd.u(), svd.vt(), out);
        CommonOps_DDRM.scale(mean, out);
        return out;
    }

    static double mean(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total / values.length;
    }
}
