package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.merge.MergeSetup;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * TSV-M (Gargiulo et al., CVPR 2025, "Task Singular Vectors"): per matrix keep each task vector's top
 * k = ⌊r/T⌋ singular components, concatenate them across tasks and decorrelate the stacked singular vectors:
 * M = polar(Û)·diag(ŝ)·polar(V̂ᵀ). Other tensors: mean of the task vectors.
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
    DMatrixRMaj mergeMatrix(DMatrixRMaj[] tau, MergeSetup setup) {
        int m = tau[0].numRows;
        int n = tau[0].numCols;
        int k = rankPerTask(Math.min(m, n), tau.length);
        if (k == 0) {
            return new DMatrixRMaj(m, n);
        }
        List<DMatrixRMaj> us = new ArrayList<>();
        List<DMatrixRMaj> vts = new ArrayList<>();
        double[] s = new double[k * tau.length];
        for (int t = 0; t < tau.length; t++) {
            ThinSvd svd = ThinSvd.of(tau[t]);
            us.add(svd.leftColumns(k));
            vts.add(svd.rightRows(k));
            System.arraycopy(svd.s(), 0, s, t * k, k);
        }
        return recompose(concatColumns(us, m), s, 1.0, concatRows(vts, n));
    }
}
