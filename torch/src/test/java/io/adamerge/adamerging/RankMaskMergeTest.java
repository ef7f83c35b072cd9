package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.merge.InMemoryMerge;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertConfig;
import io.adamerge.model.bert.BertKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * AdaRank's merge on random small models (CLIP-like and BERT layouts): a mask of ones is its base merge (Task Arithmetic,
 * TSV-M as core computes them), and its gradients match central finite differences in double precision.
 */
class RankMaskMergeTest {
    /** Largest deviations seen, reported after the properties ran (the tolerances below are bounds, these are measured). */
    private static final double[] WORST = new double[3];

    @net.jqwik.api.lifecycle.AfterContainer
    static void report() {
        System.out.printf(java.util.Locale.ROOT, "RankMaskMergeTest worst: ones-mask vs base %.3g (relative), soft gradient vs "
                + "central differences %.3g, straight-through %.3g%n", WORST[0], WORST[1], WORST[2]);
    }

    private static synchronized void seen(int which, double deviation) {
        WORST[which] = Math.max(WORST[which], deviation);
    }
    /** Tensor names and shapes of a random model: SVD-path matrices, biases, and matrices off the official path. */
    private static Map<String, long[]> layout(Random r) {
        Map<String, long[]> l = new LinkedHashMap<>();
        l.put("embeddings.position_embedding.weight", new long[] {2 + r.nextInt(5), 3 + r.nextInt(4)});
        l.put("layers.0.self_attn.q_proj.weight", new long[] {3 + r.nextInt(5), 3 + r.nextInt(5)});
        l.put("layers.0.self_attn.q_proj.bias", new long[] {4});
        l.put("layers.0.mlp.fc1.weight", new long[] {2 + r.nextInt(8), 2 + r.nextInt(8)});
        l.put("layers.0.layer_norm1.weight", new long[] {3});
        l.put("text_projection", new long[] {3, 2});
        return l;
    }

    private static Map<String, FloatTensor> model(Map<String, long[]> layout, Random r, float scale) {
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        layout.forEach((name, shape) -> {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * scale);
            }
            m.put(name, FloatTensor.of(v, shape));
        });
        return m;
    }

    private static Map<String, NDArray> arrays(Map<String, FloatTensor> m, NDManager manager, DataType type) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((name, t) -> out.put(name, manager.create(t.data(), new Shape(t.shape())).toType(type, false)));
        return out;
    }

    private static Map<String, FloatTensor> plusDelta(Map<String, FloatTensor> base, Random r) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        base.forEach((name, t) -> {
            float[] v = t.data().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (r.nextGaussian() * 0.1);
            }
            out.put(name, FloatTensor.of(v, t.shape()));
        });
        return out;
    }

    /** A small random BERT's layout (the text encoder's names and shapes, as {@link BertKeys} gives them). */
    private static Map<String, long[]> bertLayout(Random r) {
        int heads = 1 + r.nextInt(2);
        int hidden = heads * (2 + r.nextInt(3));
        return BertKeys.shapes(new BertConfig(5 + r.nextInt(8), hidden, 1 + r.nextInt(2), heads, hidden + 1 + r.nextInt(6),
                3 + r.nextInt(4), 2, 1e-12, HiddenAct.GELU));
    }

    @Property(tries = 25)
    void aMaskOfOnesIsItsBaseMerge(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int tasks,
                                   @ForAll @DoubleRange(min = 0.1, max = 3.0) double lambda) {
        Random r = new Random(seed);
        assertAMaskOfOnesIsTheBaseMerge(layout(r), r, tasks, lambda);
    }

    /**
     * The same on the text encoder: AdaRank-TA prunes the ranks of every weight matrix of BERT's blocks (and nothing
     * else), AdaRank-TSV those of TSV-M's matrix path, and a mask of ones is still Task Arithmetic, resp. TSV-M.
     */
    @Property(tries = 10)
    void aMaskOfOnesIsItsBaseMergeOnTheTextEncoder(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int tasks,
                                                   @ForAll @DoubleRange(min = 0.1, max = 3.0) double lambda) {
        Map<String, long[]> layout = bertLayout(new Random(seed));
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            String name = e.getKey();
            boolean block = name.startsWith("encoder.layer.") && name.endsWith(".weight") && e.getValue().length == 2;
            assertThat(RankMaskMerge.officialSvdPath(name, new Shape(e.getValue()))).as(name).isEqualTo(block);
        }
        assertThat(layout.keySet().stream().filter(n -> RankMaskMerge.officialSvdPath(n, new Shape(layout.get(n)))))
                .contains(BertKeys.layer(0, BertKeys.Q, "weight"), BertKeys.layer(0, BertKeys.FFN_IN, "weight"),
                        BertKeys.layer(0, BertKeys.FFN_OUT, "weight"), BertKeys.layer(0, BertKeys.ATTN_OUT, "weight"));
        assertAMaskOfOnesIsTheBaseMerge(layout, new Random(seed), tasks, lambda);
    }

    /**
     * Random pretrained and fine-tuned models of {@code layout}: AdaRank's merge with every component kept equals core's
     * Task Arithmetic (λ) and TSV-M (α = λ), for both bases and mask functions, and has mask rows for every tensor on its
     * SVD path (one per component).
     */
    static void assertAMaskOfOnesIsTheBaseMerge(Map<String, long[]> layout, Random r, int tasks, double lambda) {
        Map<String, FloatTensor> pre = model(layout, r, 1f);
        List<Map<String, FloatTensor>> ft = new ArrayList<>();
        for (int k = 0; k < tasks; k++) {
            ft.add(plusDelta(pre, r));
        }
        InMemoryMerge core = InMemoryMerge.withDiscoveredMethods();
        Map<String, FloatTensor> ta = core.merge("task_arithmetic", Map.of("lambda", lambda), List.of(), pre, ft);
        Map<String, FloatTensor> tsv = core.merge("tsv_m", Map.of("alpha", lambda), List.of(), pre, ft);
        try (NDManager m = TorchRuntime.newManager()) {
            List<Map<String, NDArray>> fta = ft.stream().map(f -> arrays(f, m, DataType.FLOAT32)).toList();
            for (RankMaskMerge.Base base : RankMaskMerge.Base.values()) {
                for (RankMaskMerge.MaskFunction fn : RankMaskMerge.MaskFunction.values()) {
                    // soft masks are ones only in the limit: a logit of 40·τ gives σ = 1 in float
                    float logit = fn == RankMaskMerge.MaskFunction.SOFT ? 400f : 0.1f;
                    try (RankMaskMerge merge = RankMaskMerge.create(arrays(pre, m, DataType.FLOAT32), fta, base, fn, 10f, m)) {
                        for (Map.Entry<String, long[]> e : layout.entrySet()) {
                            Shape shape = new Shape(e.getValue());
                            boolean svd = base == RankMaskMerge.Base.TSV ? RankMaskMerge.tsvMatrixPath(e.getKey(), shape)
                                    : RankMaskMerge.officialSvdPath(e.getKey(), shape);
                            long min = svd ? Math.min(e.getValue()[0], e.getValue()[1]) : 0;
                            // one mask row per kept component: every singular value (TA), each task's top ⌊r/T⌋ (TSV-M)
                            long rank = base == RankMaskMerge.Base.TSV ? min / tasks : min;
                            assertThat(merge.layerKeys().stream().filter(k -> k.startsWith(e.getKey() + RankMaskMerge.RANK)).count())
                                    .as("%s: mask rows of %s", base, e.getKey()).isEqualTo(rank);
                        }
                        Map<String, NDArray> got = merge.merge(merge.initial((float) lambda, logit, 1.0), m);
                        Map<String, FloatTensor> want = base == RankMaskMerge.Base.TSV ? tsv : ta;
                        for (String name : layout.keySet()) {
                            float[] g = got.get(name).toFloatArray();
                            float[] w = want.get(name).data();
                            for (int i = 0; i < w.length; i++) {
                                seen(0, Math.abs(g[i] - w[i]) / (1 + Math.abs(w[i])));
                                // float32 reconstruction U·diag(s)·Vᵀ of O(1) entries: a few ulps of the weights
                                assertThat((double) g[i]).as("%s %s %s[%d]", base, fn, name, i)
                                        .isCloseTo(w[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(w[i]))));
                            }
                        }
                    }
                }
            }
        }
    }

    /** A smooth nonlinear loss of the merged weights: Σ_l Σ tanh(W_l) ⊙ R_l. */
    private static NDArray loss(Map<String, NDArray> weights, Map<String, NDArray> probe) {
        NDArray total = null;
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            NDArray term = e.getValue().tanh().mul(probe.get(e.getKey())).sum();
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    private static double lossAt(RankMaskMerge merge, double[] raw, Map<String, NDArray> probe, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            NDArray a = s.create(raw, new Shape(raw.length / merge.numTasks(), merge.numTasks()));
            return loss(merge.weights(a, s), probe).getDouble();
        }
    }

    private static double[] gradientAt(RankMaskMerge merge, double[] raw, Map<String, NDArray> probe, NDManager m) {
        try (NDManager s = m.newSubManager(); GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
            NDArray a = s.create(raw, new Shape(raw.length / merge.numTasks(), merge.numTasks()));
            a.setRequiresGradient(true);
            c.backward(loss(merge.weights(a, s), probe));
            return a.getGradient().toDoubleArray();
        }
    }

    @Property(tries = 10)
    void softMaskGradientsMatchCentralDifferencesInDouble(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int tasks) {
        Random r = new Random(seed);
        Map<String, long[]> layout = layout(r);
        Map<String, FloatTensor> pre = model(layout, r, 1f);
        try (NDManager m = TorchRuntime.newManager()) {
            List<Map<String, NDArray>> ft = new ArrayList<>();
            for (int k = 0; k < tasks; k++) {
                ft.add(arrays(plusDelta(pre, r), m, DataType.FLOAT64));
            }
            Map<String, NDArray> probe = arrays(model(layout, r, 1f), m, DataType.FLOAT64);
            for (RankMaskMerge.Base base : RankMaskMerge.Base.values()) {
                try (RankMaskMerge merge = RankMaskMerge.create(arrays(pre, m, DataType.FLOAT64), ft, base,
                        RankMaskMerge.MaskFunction.SOFT, 2f, m)) {
                    double[] raw = new double[merge.layerKeys().size() * tasks];
                    for (int i = 0; i < raw.length; i++) {
                        raw[i] = r.nextGaussian();
                    }
                    double[] grad = gradientAt(merge, raw, probe, m);
                    double h = 1e-6;
                    for (int i = 0; i < raw.length; i++) {
                        double[] up = raw.clone();
                        double[] down = raw.clone();
                        up[i] += h;
                        down[i] -= h;
                        double fd = (lossAt(merge, up, probe, m) - lossAt(merge, down, probe, m)) / (2 * h);
                        seen(1, Math.abs(grad[i] - fd) / (1 + Math.abs(fd)));
                        // central differences in double: O(h²) truncation + O(ε/h) rounding ≈ 1e-9 here
                        assertThat(grad[i]).as("%s row %s task %d", base, merge.layerKeys().get(i / tasks), i % tasks)
                                .isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-7 * (1 + Math.abs(fd))));
                    }
                }
            }
        }
    }

    /**
     * Straight-through: the forward pass is the merge at the hard mask, and dL/dz_i is dL/dm_i at the hard mask (central
     * differences of the merge in the mask value) times σ'(z_i/τ)/τ.
     */
    @Property(tries = 10)
    void straightThroughGradientsAreTheMaskGradientAtTheHardMaskTimesTheSigmoidSlope(@ForAll long seed) {
        Random r = new Random(seed);
        int tasks = 2;
        float tau = 10f;
        Map<String, long[]> layout = layout(r);
        Map<String, FloatTensor> pre = model(layout, r, 1f);
        try (NDManager m = TorchRuntime.newManager()) {
            List<Map<String, NDArray>> ft = new ArrayList<>();
            for (int k = 0; k < tasks; k++) {
                ft.add(arrays(plusDelta(pre, r), m, DataType.FLOAT64));
            }
            Map<String, NDArray> probe = arrays(model(layout, r, 1f), m, DataType.FLOAT64);
            try (RankMaskMerge merge = RankMaskMerge.create(arrays(pre, m, DataType.FLOAT64), ft, RankMaskMerge.Base.TASK_ARITHMETIC,
                    RankMaskMerge.MaskFunction.STRAIGHT_THROUGH, tau, m)) {
                int lambdaRows = merge.tensorKeys().size();
                double[] raw = new double[merge.layerKeys().size() * tasks];
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = i < lambdaRows * tasks ? r.nextGaussian() : r.nextGaussian() * tau;
                }
                double[] grad = gradientAt(merge, raw, probe, m);
                try (NDManager s = m.newSubManager()) {
                    NDArray a = s.create(raw, new Shape(raw.length / tasks, tasks));
                    NDArray lambda = a.get(new ai.djl.ndarray.index.NDIndex("0:" + lambdaRows));
                    List<NDArray> hard = new ArrayList<>();
                    for (NDArray st : merge.masks(a)) {
                        hard.add(st.gt(0.5).toType(DataType.FLOAT64, false));
                    }
                    double forward = loss(merge.compose(lambda, hard, s), probe).getDouble();
                    assertThat(lossAt(merge, raw, probe, m)).isCloseTo(forward, org.assertj.core.data.Offset.offset(1e-12));
                    int row = lambdaRows;
                    for (int f = 0; f < hard.size(); f++) {
                        long rank = hard.get(f).getShape().get(1);
                        for (int i = 0; i < rank; i++, row++) {
                            for (int k = 0; k < tasks; k++) {
                                double h = 1e-6;
                                double dm = (lossWithMask(merge, lambda, hard, f, k, i, h, probe, s)
                                        - lossWithMask(merge, lambda, hard, f, k, i, -h, probe, s)) / (2 * h);
                                double z = raw[row * tasks + k];
                                double sig = 1 / (1 + Math.exp(-z / tau));
                                double want = dm * sig * (1 - sig) / tau;
                                seen(2, Math.abs(grad[row * tasks + k] - want) / (1 + Math.abs(want)));
                                assertThat(grad[row * tasks + k]).as("row %s task %d", merge.layerKeys().get(row), k)
                                        .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-8 * (1 + Math.abs(want))));
                            }
                        }
                    }
                }
            }
        }
    }

    private static double lossWithMask(RankMaskMerge merge, NDArray lambda, List<NDArray> hard, int f, int k, int i, double h,
                                       Map<String, NDArray> probe, NDManager s) {
        try (NDManager t = s.newSubManager()) {
            List<NDArray> masks = new ArrayList<>(hard);
            double[] v = hard.get(f).toDoubleArray();
            long rank = hard.get(f).getShape().get(1);
            v[(int) (k * rank + i)] += h;
            masks.set(f, t.create(v, hard.get(f).getShape()));
            return loss(merge.compose(lambda, masks, t), probe).getDouble();
        }
    }
}
