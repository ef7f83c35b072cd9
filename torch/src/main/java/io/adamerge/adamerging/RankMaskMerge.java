package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.adamerge.taskvector.ThinSvd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * AdaRank's merge (Lee et al., 2025, "AdaRank: Adaptive Rank Pruning for Enhanced Model Merging"), differentiable in
 * its learnt values: every tensor on the SVD path is the base merge written as a sum of singular components of each
 * task, each component kept or pruned by a learnt mask,
 * <pre>  θ^l = θ_pre^l + Σ_k λ_k^l · U_k^l · diag(s_k^l ⊙ m_k^l) · V_k^lᵀ,   m = mask(z / temperature)</pre>
 * and every other tensor is θ_pre^l + Σ_k λ_k^l · T_k^l (Task Arithmetic base) or θ_pre^l + Σ_k λ_k^l · T_k^l / T
 * (TSV-M base: the mean). The coefficients λ are per task and tensor and not clamped, as in the official code.
 *
 * <p>The bases: {@link Base#TASK_ARITHMETIC} decomposes each task vector fully (U_k s_k V_kᵀ = T_k) on the tensors the
 * official code prunes (name contains {@code attn} or {@code mlp}, not {@code ln} or {@code bias}, two dimensions; on
 * BERT the blocks' weight matrices, see {@link #officialSvdPath});
 * {@link Base#TSV} takes TSV-M's components (each task's top ⌊r/T⌋, the stacked singular vectors replaced by their
 * polar factors) on TSV-M's matrix path (two dimensions, no {@code text_projection}), so that a mask of ones is TSV-M.
 * The SVD runs in double precision (EJML); the factors are kept in the weights' type.
 *
 * <p>Learnt values, [rows, tasks] as {@link Coefficients}: first one row of λ per tensor (key: the tensor's name), then
 * per SVD tensor one row per singular component i (key: {@code name#rank<i>}) holding the mask logits z.
 */
public final class RankMaskMerge implements LearnableMerge {
    /** The merge whose singular components the mask prunes. */
    public enum Base {
        TASK_ARITHMETIC, TSV
    }

    /** How logits become mask values. */
    public enum MaskFunction {
        /** The official default: forward the hard mask [σ(z/τ) > 0.5], backward through σ(z/τ). */
        STRAIGHT_THROUGH,
        /** σ(z/τ) both ways (the official {@code soft_mask} option). */
        SOFT
    }

    /** Key suffix of a mask row. */
    public static final String RANK = "#rank";

    /** One tensor on the SVD path: the components of every task, side by side. */
    private record Factors(int layer, int rank, NDArray u, NDArray s, NDArray vt, int firstRow) {
    }

    private final Base base;
    private final MaskFunction maskFunction;
    private final float temperature;
    private final NDManager manager;
    private final List<String> tensorKeys;
    private final List<Shape> shapes;
    private final List<NDArray> pretrained;
    /** Non-SVD tensors: [tasks, numel] (already divided by T for the TSV base); null on the SVD path. */
    private final List<NDArray> taskVectors;
    private final List<Factors> factors;
    private final List<String> rowKeys;
    private final int tasks;

    private RankMaskMerge(Base base, MaskFunction maskFunction, float temperature, NDManager manager, List<String> tensorKeys,
                          List<Shape> shapes, List<NDArray> pretrained, List<NDArray> taskVectors, List<Factors> factors,
                          List<String> rowKeys, int tasks) {
        this.base = base;
        this.maskFunction = maskFunction;
        this.temperature = temperature;
        this.manager = manager;
        this.tensorKeys = List.copyOf(tensorKeys);
        this.shapes = List.copyOf(shapes);
        this.pretrained = List.copyOf(pretrained);
        this.taskVectors = new ArrayList<>(taskVectors);
        this.factors = List.copyOf(factors);
        this.rowKeys = List.copyOf(rowKeys);
        this.tasks = tasks;
    }

    /**
     * Whether AdaRank prunes the ranks of this tensor on the Task Arithmetic base: the official code's rule for CLIP
     * (two dimensions, name contains {@code attn} or {@code mlp}, not {@code ln} or {@code bias}), and its counterpart for
     * BERT, whose names hold neither: the weight matrices of the transformer blocks ({@code encoder.layer.<i>.} attention
     * query, key, value and output, intermediate and output dense), not the embeddings, LayerNorms or biases.
     */
    public static boolean officialSvdPath(String name, Shape shape) {
        if (shape.dimension() != 2) {
            return false;
        }
        if (name.startsWith("encoder.layer.")) {
            return name.endsWith(".weight") && !name.contains("LayerNorm");
        }
        return (name.contains("attn") || name.contains("mlp")) && !(name.contains("ln") || name.contains("bias"));
    }

    /** TSV-M's matrix path: exactly two dimensions, not a text projection. */
    public static boolean tsvMatrixPath(String name, Shape shape) {
        return shape.dimension() == 2 && !name.contains("text_projection");
    }

    /**
     * Decomposes the task vectors T_k = θ_k − θ_pre of every tensor of {@code pretrained} (in its order) onto a new
     * sub-manager of {@code parent}; the caller may release the fine-tuned weights.
     */
    public static RankMaskMerge create(Map<String, NDArray> pretrained, List<Map<String, NDArray>> finetuned, Base base,
                                       MaskFunction maskFunction, float temperature, NDManager parent) {
        if (finetuned.isEmpty()) {
            throw new IllegalArgumentException("AdaRank needs at least one fine-tuned model");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("mask temperature must be > 0, got " + temperature);
        }
        int t = finetuned.size();
        NDManager own = parent.newSubManager();
        try {
            List<String> keys = new ArrayList<>(pretrained.keySet());
            List<Shape> shapes = new ArrayList<>();
            List<NDArray> pre = new ArrayList<>();
            List<NDArray> vectors = new ArrayList<>();
            List<Factors> factors = new ArrayList<>();
            List<String> maskRows = new ArrayList<>();
            for (int l = 0; l < keys.size(); l++) {
                String key = keys.get(l);
                NDArray p = pretrained.get(key);
                Shape shape = p.getShape();
                DataType type = p.getDataType();
                NDArray kept = p.duplicate();
                kept.attach(own);
                shapes.add(shape);
                pre.add(kept);
                boolean svd = base == Base.TASK_ARITHMETIC ? officialSvdPath(key, shape) : tsvMatrixPath(key, shape);
                if (!svd) {
                    try (NDManager scratch = own.newSubManager()) {
                        NDList rows = new NDList();
                        for (Map<String, NDArray> ft : finetuned) {
                            NDArray d = ft.get(key).sub(p);
                            d.attach(scratch);
                            rows.add(d.reshape(1, shape.size()));
                        }
                        NDArray stacked = NDArrays.concat(rows, 0);
                        if (base == Base.TSV) {
                            stacked = stacked.div(t);
                        }
                        stacked.attach(own);
                        vectors.add(stacked);
                    }
                    continue;
                }
                vectors.add(null);
                int m = (int) shape.get(0);
                int n = (int) shape.get(1);
                double[] pd = toDoubles(p);
                DMatrixRMaj[] tau = new DMatrixRMaj[t];
                for (int k = 0; k < t; k++) {
                    double[] fd = toDoubles(finetuned.get(k).get(key));
                    DMatrixRMaj d = new DMatrixRMaj(m, n);
                    for (int i = 0; i < fd.length; i++) {
                        // the task vector in the weights' type first, as the official code forms it
                        d.data[i] = type == DataType.FLOAT32 ? (double) ((float) fd[i] - (float) pd[i]) : fd[i] - pd[i];
                    }
                    tau[k] = d;
                }
                int rank = base == Base.TASK_ARITHMETIC ? Math.min(m, n) : (int) (Math.min(m, n) * (1.0 / t));
                DMatrixRMaj uCat = new DMatrixRMaj(m, rank * t);
                DMatrixRMaj vtCat = new DMatrixRMaj(rank * t, n);
                double[] s = new double[rank * t];
                for (int k = 0; k < t && rank > 0; k++) {
                    ThinSvd svdK = ThinSvd.of(tau[k]);
                    CommonOps_DDRM.insert(svdK.leftColumns(rank), uCat, 0, k * rank);
                    CommonOps_DDRM.insert(svdK.rightRows(rank), vtCat, k * rank, 0);
                    System.arraycopy(svdK.s(), 0, s, k * rank, rank);
                }
                if (base == Base.TSV && rank > 0) {
                    uCat = ThinSvd.polar(uCat);
                    vtCat = ThinSvd.polar(vtCat);
                }
                int firstRow = maskRows.size();
                for (int i = 0; i < rank; i++) {
                    maskRows.add(key + RANK + i);
                }
                factors.add(new Factors(l, rank, array(own, uCat.data, new Shape(m, (long) rank * t), type),
                        array(own, s, new Shape(t, rank), type), array(own, vtCat.data, new Shape((long) rank * t, n), type), firstRow));
            }
            List<String> rowKeys = new ArrayList<>(keys);
            rowKeys.addAll(maskRows);
            List<Factors> shifted = factors.stream()
                    .map(f -> new Factors(f.layer(), f.rank(), f.u(), f.s(), f.vt(), keys.size() + f.firstRow())).toList();
            return new RankMaskMerge(base, maskFunction, temperature, own, keys, shapes, pre, vectors, shifted, rowKeys, t);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    private static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        float[] f = a.toType(DataType.FLOAT32, false).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static NDArray array(NDManager m, double[] data, Shape shape, DataType type) {
        NDArray a = m.create(data, shape);
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    public Base base() {
        return base;
    }

    public MaskFunction maskFunction() {
        return maskFunction;
    }

    public float temperature() {
        return temperature;
    }

    /** The tensors of the merge, in order (also the keys of the λ rows). */
    public List<String> tensorKeys() {
        return tensorKeys;
    }

    /** Rows of learnt values: λ rows, then mask rows. */
    @Override
    public List<String> layerKeys() {
        return rowKeys;
    }

    @Override
    public int numTasks() {
        return tasks;
    }

    /** Mask logits in all (rows × tasks). */
    public int maskRows() {
        return rowKeys.size() - tensorKeys.size();
    }

    /**
     * The starting point: λ = {@code lambda} everywhere; logits {@code logit} on the first ⌊ratio·r⌋ components of each
     * SVD tensor and on the rest −{@code logit} (straight-through) or 0 (soft), as the official initialisation.
     */
    public Coefficients initial(float lambda, float logit, double rankRatio) {
        float[] v = new float[rowKeys.size() * tasks];
        java.util.Arrays.fill(v, 0, tensorKeys.size() * tasks, lambda);
        float pruned = maskFunction == MaskFunction.STRAIGHT_THROUGH ? -logit : 0f;
        for (Factors f : factors) {
            int preserved = rankRatio < 1.0 ? (int) (f.rank() * rankRatio) : f.rank();
            for (int i = 0; i < f.rank(); i++) {
                java.util.Arrays.fill(v, (f.firstRow() + i) * tasks, (f.firstRow() + i + 1) * tasks, i < preserved ? logit : pruned);
            }
        }
        return new Coefficients(Granularity.LAYER, rowKeys, tasks, v, 0, null);
    }

    @Override
    public Coefficients coefficients(float[] values, int step, Coefficients.AdamState state) {
        return new Coefficients(Granularity.LAYER, rowKeys, tasks, values, step, state);
    }

    @Override
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /**
     * The mask values of every SVD tensor, [tasks, rank] each, from the logits in {@code raw}.
     *
     * <p>The temperature is a tensor on {@code raw}'s manager (the step's scope), open until backward: DJL makes the
     * scalar of {@code z.div(10f)} over a Java direct buffer and closes it at once, autograd keeps the tensor
     * (dz = g / τ) but not the buffer, and a garbage collection before backward frees it (NaN or garbage gradients).
     */
    List<NDArray> masks(NDArray raw) {
        List<NDArray> out = new ArrayList<>();
        NDArray tau = raw.getManager().create(temperature).toType(raw.getDataType(), false);
        for (Factors f : factors) {
            NDArray z = raw.get(new NDIndex(f.firstRow() + ":" + (f.firstRow() + f.rank()))).transpose();
            NDArray soft = Activation.sigmoid(z.div(tau));
            out.add(maskFunction == MaskFunction.SOFT ? soft
                    : soft.add(soft.gt(0.5f).toType(soft.getDataType(), false).sub(soft).stopGradient()));
        }
        return out;
    }

    @Override
    public Map<String, NDArray> weights(NDArray raw, NDManager scope) {
        NDArray lambda = raw.get(new NDIndex("0:" + tensorKeys.size()));
        return compose(lambda, masks(raw), scope);
    }

    /**
     * The merge at coefficients {@code lambda} [tensors, tasks] and mask values {@code masks} ([tasks, rank] per SVD
     * tensor, in order), differentiable in both.
     */
    Map<String, NDArray> compose(NDArray lambda, List<NDArray> masks, NDManager scope) {
        Map<String, NDArray> merged = new LinkedHashMap<>();
        int next = 0;
        for (int l = 0; l < tensorKeys.size(); l++) {
            NDArray row = lambda.get(new NDIndex(l + ":" + (l + 1))); // [1, tasks]
            NDArray delta;
            if (taskVectors.get(l) != null) {
                delta = row.matMul(taskVectors.get(l)).reshape(shapes.get(l));
            } else {
                Factors f = factors.get(next);
                NDArray mask = masks.get(next);
                next++;
                if (f.rank() == 0) {
                    delta = pretrained.get(l).zerosLike();
                } else {
                    NDArray c = row.transpose().mul(f.s()).mul(mask).reshape(1, (long) f.rank() * tasks);
                    delta = f.u().mul(c).matMul(f.vt());
                }
            }
            NDArray w = pretrained.get(l).add(delta);
            w.attach(scope);
            merged.put(tensorKeys.get(l), w);
        }
        return merged;
    }

    @Override
    public Map<String, NDArray> merge(Coefficients values, NDManager into) {
        check(values);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (NDManager scope = manager.newSubManager()) {
            NDArray raw = scope.create(values.values(), new Shape(values.rows(), tasks));
            if (pretrained.get(0).getDataType() != DataType.FLOAT32) {
                raw = raw.toType(pretrained.get(0).getDataType(), false);
            }
            weights(raw, scope).forEach((name, a) -> {
                a.attach(into);
                out.put(name, a);
            });
        }
        return out;
    }

    @Override
    public void check(Coefficients c) {
        if (c.tasks() != tasks || !c.layerKeys().equals(rowKeys)) {
            throw new IllegalArgumentException("AdaRank values are for " + c.tasks() + " tasks and " + c.rows()
                    + " rows; this run has " + tasks + " tasks and " + rowKeys.size() + " rows (" + tensorKeys.size()
                    + " λ rows, " + maskRows() + " mask rows)");
        }
        for (float v : c.values()) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("AdaRank values hold a non-finite value");
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
