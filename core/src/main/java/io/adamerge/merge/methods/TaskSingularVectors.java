package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.MethodVariant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * TSV-M (Gargiulo et al., CVPR 2025, "Task Singular Vectors"): per matrix keep each task vector's top
 * k = ⌊r/T⌋ singular components, concatenate them across tasks and decorrelate the stacked singular vectors:
 * M = polar(Û)·diag(ŝ)·polar(V̂ᵀ). Other tensors: mean of the task vectors. With {@code rank_tolerance} &gt; 0 a task keeps
 * at most its numerical rank of components ({@code tsv_m_lowrank}).
 */
public final class TaskSingularVectors extends SpectralMerge {
    @Override
    public String name() {
        return "tsv_m";
    }

    @Override
    public List<String> aliases() {
        return List.of("tsvm", "task_singular_vectors");
    }

    @Override
    public String description() {
        return "TSV-M: per matrix the top 1/T singular components of each task vector, decorrelated (CVPR 2025)";
    }

    /** The rank kept per task: int(r · (1/T)) as the official code computes it. */
    static int rankPerTask(int r, int tasks) {
        return (int) (r * (1.0 / tasks));
    }

    @Override
    public List<MethodVariant> variants() {
        return List.of(lowRankVariant("each task keeps min(1/T of the components, its numerical rank), for LoRA task vectors"));
    }

    /**
     * Each task keeps its top k = ⌊r/T⌋ components; with rank_tolerance &gt; 0 task t keeps k_t = min(k, numerical rank
     * of τ_t): the singular vectors of (numerically) zero singular values are an arbitrary basis of τ_t's null space,
     * which the official algorithm would keep and decorrelate together with the real ones.
     */
    @Override
    DMatrixRMaj mergeMatrix(DMatrixRMaj[] tau, MergeSetup setup) {
        double tolerance = setup.parameters().number(RANK_TOLERANCE);
        int m = tau[0].numRows;
        int n = tau[0].numCols;
        int k = rankPerTask(Math.min(m, n), tau.length);
        if (k == 0) {
            return new DMatrixRMaj(m, n);
        }
        List<DMatrixRMaj> us = new ArrayList<>();
        List<DMatrixRMaj> vts = new ArrayList<>();
        double[] s = new double[k * tau.length];
        int kept = 0;
        for (DMatrixRMaj t : tau) {
            ThinSvd svd = ThinSvd.of(t);
            int kt = tolerance > 0 ? Math.min(k, numericalRank(svd.s(), tolerance)) : k;
            if (kt == 0) {
                continue;
            }
            us.add(svd.leftColumns(kt));
            vts.add(svd.rightRows(kt));
            System.arraycopy(svd.s(), 0, s, kept, kt);
            kept += kt;
        }
        if (kept == 0) {
            return new DMatrixRMaj(m, n);
        }
        return recompose(concatColumns(us, m), kept == s.length ? s : Arrays.copyOf(s, kept), 1.0, concatRows(vts, n));
    }
}
