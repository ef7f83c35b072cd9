package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.MethodVariant;
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
    public List<MethodVariant> variants() {
        return List.of(lowRankVariant("the flat spectrum spans only the summed task matrix's numerical rank, for LoRA task vectors"));
    }

    /**
     * Official (rank_tolerance 0): σ̄·U·Vᵀ over all min(m, n) directions, σ̄ the mean of all singular values. Low-rank:
     * over the r directions of the sum's numerical rank only, σ̄ the mean of those r values (the rest of U·Vᵀ is an
     * arbitrary basis of directions no task vector touched).
     */
    @Override
    DMatrixRMaj mergeMatrix(DMatrixRMaj[] tau, MergeSetup setup) {
        DMatrixRMaj sum = tau[0].copy();
        for (int t = 1; t < tau.length; t++) {
            CommonOps_DDRM.addEquals(sum, tau[t]);
        }
        ThinSvd svd = ThinSvd.of(sum);
        double tolerance = setup.parameters().number(RANK_TOLERANCE);
        DMatrixRMaj out = new DMatrixRMaj(sum.numRows, sum.numCols);
        if (tolerance > 0) {
            int r = numericalRank(svd.s(), tolerance);
            if (r == 0) {
                return out;
            }
            CommonOps_DDRM.mult(svd.leftColumns(r), svd.rightRows(r), out);
            CommonOps_DDRM.scale(mean(java.util.Arrays.copyOf(svd.s(), r)), out);
            return out;
        }
        double mean = mean(svd.s());
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
