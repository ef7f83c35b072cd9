package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.MethodVariant;
import io.adamerge.merge.ParameterScope;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Iso-CTS (Marczak et al., ICML 2025, "common and task-specific subspaces"): per matrix keep the top c singular
 * directions of the summed task vectors (the common subspace, a fraction f of the rank) and, for each task, the top
 * d directions of what its task vector has outside that common left subspace; stack them, orthogonalise both
 * sides and give every direction the mean singular value. Other tensors: mean of the task vectors.
 */
public final class IsotropicCommonTaskMerge extends SpectralMerge {
    @Override
    public String name() {
        return "iso_cts";
    }

    @Override
    public String description() {
        return "Iso-CTS: isotropic merge of a common subspace plus per-task subspaces (ICML 2025)";
    }

    @Override
    List<MergeParameter> extraParameters() {
        return List.of(MergeParameter.number("common_space_fraction", ParameterScope.GLOBAL, 0.8, 0.0, 1.0,
                "fraction f of the rank given to the common subspace"));
    }

    /** Common size c and per-task size d for rank r, T tasks and fraction f, exactly as the official code. */
    static int[] subspaceSizes(int r, int tasks, double fraction) {
        int c0 = (int) Math.floor(r * fraction);
        // Python's round() sends halves to the even integer: Math.rint, not Math.round
        int taskSpecific = (int) Math.rint((double) (r - c0) / tasks) * tasks;
        int perTask = taskSpecific / tasks;
        if (taskSpecific > r) {
            // more tasks than the rounded remainder allows (e.g. r = 2, T = 3): the official formula would give a
            // negative common size; keep as many whole per-task blocks as fit
            perTask = r / tasks;
        }
        return new int[] {r - tasks * perTask, perTask};
    }

    @Override
    public List<MethodVariant> variants() {
        return List.of(lowRankVariant("common and per-task subspaces sized within the numerical rank, for LoRA task vectors"));
    }

    /**
     * Official (rank_tolerance 0): r = min(m, n), c + T·d = r directions. Low-rank: r is the summed matrix's numerical
     * rank (c and d sized from it by the same formula), and a task keeps at most the numerical rank of its residual,
     * both counted against rank_tolerance·σ_max of the summed matrix (one scale for the whole merge: a residual almost
     * inside the common subspace is noise, not rank).
     */
    @Override
    DMatrixRMaj mergeMatrix(DMatrixRMaj[] tau, MergeSetup setup) {
        int m = tau[0].numRows;
        int n = tau[0].numCols;
        double tolerance = setup.parameters().number(RANK_TOLERANCE);
        DMatrixRMaj sum = tau[0].copy();
        for (int t = 1; t < tau.length; t++) {
            CommonOps_DDRM.addEquals(sum, tau[t]);
        }
        ThinSvd common = ThinSvd.of(sum);
        boolean lowRank = tolerance > 0;
        double floor = lowRank ? tolerance * common.s()[0] : 0;
        int r = lowRank ? numericalRank(common.s(), tolerance) : Math.min(m, n);
        if (lowRank && r == 0) {
            return new DMatrixRMaj(m, n);
        }
        int[] sizes = subspaceSizes(r, tau.length, setup.parameters().number("common_space_fraction"));
        int c = sizes[0];
        int d = sizes[1];
        DMatrixRMaj uc = common.leftColumns(c);
        List<DMatrixRMaj> us = new ArrayList<>();
        List<DMatrixRMaj> vts = new ArrayList<>();
        double[] s = new double[r];
        int at = 0;
        if (d > 0) {
            DMatrixRMaj projected = new DMatrixRMaj(c, n);
            DMatrixRMaj back = new DMatrixRMaj(m, n);
            for (DMatrixRMaj t : tau) {
                // R_t = τ_t − U_c·(U_cᵀ·τ_t): only the left side is projected out
                CommonOps_DDRM.multTransA(uc, t, projected);
                CommonOps_DDRM.mult(uc, projected, back);
                DMatrixRMaj residual = new DMatrixRMaj(m, n);
                CommonOps_DDRM.subtract(t, back, residual);
                ThinSvd svd = ThinSvd.of(residual);
                int dt = lowRank ? Math.min(d, countAtLeast(svd.s(), floor)) : d;
                if (dt == 0) {
                    continue;
                }
                us.add(svd.leftColumns(dt));
                vts.add(svd.rightRows(dt));
                System.arraycopy(svd.s(), 0, s, at, dt);
                at += dt;
            }
        }
        us.add(uc);
        vts.add(common.rightRows(c));
        System.arraycopy(common.s(), 0, s, at, c);
        at += c;
        // official: at == r; low-rank: fewer where a residual has less numerical rank than d
        double mean = IsotropicMerge.mean(at == s.length ? s : java.util.Arrays.copyOf(s, at));
        return recompose(concatColumns(us, m), null, mean, concatRows(vts, n));
    }
}
