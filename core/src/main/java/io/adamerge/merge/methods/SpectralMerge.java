package io.adamerge.merge.methods;

import io.adamerge.taskvector.ThinSvd;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.ScalableRun;
import io.adamerge.merge.TensorChunk;
import java.util.ArrayList;
import io.adamerge.merge.MethodVariant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * The frame shared by the merges that look at each weight matrix's spectrum (TSV-M, Iso-C, Iso-CTS), as their
 * official code does: a tensor with exactly two dimensions whose name does not contain {@code text_projection}
 * takes the matrix path ({@link #mergeMatrix}); every other floating tensor becomes the mean of the task vectors.
 * Either way θ = θ_pre + α·M (α is the {@link #scaleParameter()}: M is computed once for many α). Task vectors are formed in F32 (as the official code does); the matrix path runs in
 * double precision. A method needs every task's copy of one matrix at a time, never more.
 */
abstract class SpectralMerge implements MergeMethod {

    @Override
    public List<MergeParameter> parameters() {
        List<MergeParameter> all = new ArrayList<>();
        all.add(MergeParameter.number("alpha", ParameterScope.GLOBAL, 1.0, 0.0, null,
                "scale α of the merged task vector (the official code picks it on validation over 0.1…3.0)"));
        all.addAll(extraParameters());
        all.add(MergeParameter.number(RANK_TOLERANCE, ParameterScope.GLOBAL, 0.0, 0.0, 1.0,
                "singular values below rank_tolerance·σ_max of a matrix count as zero: only its numerical rank is kept "
                        + "(0: the official algorithm, every component; 1e-4 for low-rank task vectors such as LoRA's)"));
        return all;
    }

    /** The parameter that makes the matrix path rank-aware; 0, its default, is the official algorithm. */
    static final String RANK_TOLERANCE = "rank_tolerance";

    /** The variant of this method at rank_tolerance 1e-4, for low-rank task vectors (LoRA adapters). */
    MethodVariant lowRankVariant(String what) {
        return new MethodVariant(name() + "_lowrank", name(), Map.of(RANK_TOLERANCE, LOW_RANK_TOLERANCE),
                name() + " at rank_tolerance " + LOW_RANK_TOLERANCE + ": " + what);
    }

    /** The low-rank variants' tolerance: far above double-precision SVD noise (~1e-15·σ_max), far below a kept σ. */
    static final double LOW_RANK_TOLERANCE = 1e-4;

    /**
     * The numerical rank of a matrix with singular values {@code s} (descending): how many are at least
     * tolerance·σ_max and above zero. Only called with tolerance &gt; 0; a zero matrix has rank 0.
     */
    static int numericalRank(double[] s, double tolerance) {
        if (s.length == 0 || !(s[0] > 0)) {
            return 0;
        }
        return countAtLeast(s, tolerance * s[0]);
    }

    /** How many of the descending values {@code s} are at least {@code floor} and above zero. */
    static int countAtLeast(double[] s, double floor) {
        int r = 0;
        while (r < s.length && s[r] >= floor && s[r] > 0) {
            r++;
        }
        return r;
    }

    /** Parameters besides α. */
    List<MergeParameter> extraParameters() {
        return List.of();
    }

    @Override
    public boolean elementwise() {
        return false;
    }

    /** Whether the tensor takes the matrix path: exactly two dimensions, and not a text projection. */
    static boolean takesMatrixPath(TensorInfo tensor) {
        return tensor.shape().length == 2 && !tensor.name().contains("text_projection");
    }

    /** The merged task vector M of one matrix from the task vectors τ_1…τ_T (m×n each, T ≥ 1). */
    abstract DMatrixRMaj mergeMatrix(DMatrixRMaj[] taskVectors, MergeSetup setup);

    /** α: the whole merged task vector, matrix path and averaged tensors alike, is scaled by it (official apply_to). */
    @Override
    public Optional<String> scaleParameter() {
        return Optional.of("alpha");
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        double alpha = setup.parameters().number("alpha");
        return new ScalableRun() {
            /** No state between calls: tensors merge on several threads at once. */
            @Override
            public boolean concurrent() {
                return true;
            }

            @Override
            public void direction(TensorChunk c, double[] out) {
                float[] base = c.base();
                float[][] models = c.models();
                int n = c.count();
                int tasks = models.length;
                if (takesMatrixPath(c.tensor())) {
                    int rows = (int) c.tensor().shape()[0];
                    int cols = (int) c.tensor().shape()[1];
                    DMatrixRMaj[] tau = new DMatrixRMaj[tasks];
                    for (int t = 0; t < tasks; t++) {
                        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
                        double[] d = m.data;
                        float[] ft = models[t];
                        for (int i = 0; i < n; i++) {
                            d[i] = ft[i] - base[i];
                        }
                        tau[t] = m;
                    }
                    System.arraycopy(mergeMatrix(tau, setup).data, 0, out, 0, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        float sum = 0;
                        for (float[] ft : models) {
                            sum += ft[i] - base[i];
                        }
                        out[i] = (double) sum / tasks;
                    }
                }
            }

            @Override
            public float scaled(float base, double direction, double scale) {
                return (float) (base + scale * direction);
            }

            @Override
            public void merge(TensorChunk c, float[] out) {
                int n = c.count();
                double[] d = new double[n];
                direction(c, d);
                float[] base = c.base();
                for (int i = 0; i < n; i++) {
                    out[i] = scaled(base[i], d[i], alpha);
                }
            }
        };
    }

    /** [A_1 | … | A_k] side by side (same row count). */
    static DMatrixRMaj concatColumns(List<DMatrixRMaj> blocks, int rows) {
        int cols = blocks.stream().mapToInt(b -> b.numCols).sum();
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        int at = 0;
        for (DMatrixRMaj b : blocks) {
            org.ejml.dense.row.CommonOps_DDRM.insert(b, out, 0, at);
            at += b.numCols;
        }
        return out;
    }

    /** [A_1; …; A_k] stacked (same column count). */
    static DMatrixRMaj concatRows(List<DMatrixRMaj> blocks, int cols) {
        int rows = blocks.stream().mapToInt(b -> b.numRows).sum();
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        int at = 0;
        for (DMatrixRMaj b : blocks) {
            org.ejml.dense.row.CommonOps_DDRM.insert(b, out, at, 0);
            at += b.numRows;
        }
        return out;
    }

    /** polar(Û)·diag(ŝ)·polar(V̂ᵀ) with ŝ given per column of Û, or a single scale σ̄ when {@code s} is null. */
    static DMatrixRMaj recompose(DMatrixRMaj uHat, double[] s, double scale, DMatrixRMaj vtHat) {
        DMatrixRMaj pu = ThinSvd.polar(uHat);
        DMatrixRMaj pv = ThinSvd.polar(vtHat);
        if (s != null) {
            for (int i = 0; i < pu.numRows; i++) {
                for (int j = 0; j < pu.numCols; j++) {
                    pu.unsafe_set(i, j, pu.unsafe_get(i, j) * s[j]);
                }
            }
        }
        DMatrixRMaj out = new DMatrixRMaj(uHat.numRows, vtHat.numCols);
        org.ejml.dense.row.CommonOps_DDRM.mult(pu, pv, out);
        if (s == null) {
            org.ejml.dense.row.CommonOps_DDRM.scale(scale, out);
        }
        return out;
    }
}
