package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import io.adamerge.model.Examples;
import io.adamerge.model.ObservableLinears;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RegMean (Jin et al., ICLR 2023): every linear layer is merged as the solution of the regression that matches each
 * fine-tuned layer's outputs on its own task's inputs,
 * <pre>  W = (Σ_k G̃_k)^-1 Σ_k G̃_k W_k   (in the [in, out] orientation: PyTorch's Linear weight transposed)</pre>
 * with G_k = X_kᵀX_k / N_k the Gram matrix of the layer's inputs on N_k samples of task k (the per-sample average,
 * as FusionBench accumulates it) and G̃_k its off-diagonal entries scaled by α. All other parameters (biases, layer
 * norms, embeddings) are averaged.
 *
 * <p>Linear layers: q/k/v/out projections, MLP fc1/fc2, the visual projection, and, unless disabled, the patch
 * embedding, which is exactly a linear layer over flattened patches (FusionBench averages it because it only hooks
 * {@code nn.Linear}; {@code patchEmbeddingAsLinear = false} does the same). Input dimensions no task ever excites
 * (a zero row and column in every Gram, such as constant-zero pixels) get the average weight there instead of a
 * singular system. Grams are accumulated and solved in float64.
 */
public final class RegMean implements DataMergeMethod {
    /**
     * @param samples                images per task used for the Grams (all when a task has fewer)
     * @param alpha                  scale of the Grams' off-diagonal entries, in [0, 1]
     * @param batchSize              images per forward pass
     * @param seed                   picks the samples
     * @param patchEmbeddingAsLinear merge the patch embedding by RegMean too (else average it)
     */
    public record Settings(int samples, double alpha, int batchSize, long seed, boolean patchEmbeddingAsLinear) {
        public Settings {
            if (samples <= 0 || batchSize <= 0) {
                throw new IllegalArgumentException("samples and batch size must be > 0");
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("RegMean alpha must be in [0, 1], got " + alpha);
            }
        }

        /** 256 samples per task, α = 0.9, batches of 32, seed 0, patch embedding merged as a linear layer. */
        public static Settings defaults() {
            return new Settings(256, 0.9, 32, 0, true);
        }
    }

    private static final String PATCH_REGMEAN = "regmean";
    private static final String PATCH_AVERAGE = "average";

    private final Settings settings;

    /** The registry entry: the default settings. */
    public RegMean() {
        this(Settings.defaults());
    }

    public RegMean(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "regmean";
    }

    @Override
    public String description() {
        return "RegMean: every linear layer W = (Σ G̃_k)^-1 Σ G̃_k W_k from the Grams of its inputs on each task's "
                + "data, other parameters averaged";
    }

    @Override
    public List<MergeParameter> parameters() {
        Settings d = Settings.defaults();
        return List.of(
                MergeParameter.integer("samples", ParameterScope.GLOBAL, (long) d.samples(), 1L, (long) Integer.MAX_VALUE,
                        "images per task for the Gram matrices (all when a task has fewer)"),
                MergeParameter.number("alpha", ParameterScope.GLOBAL, d.alpha(), 0.0, 1.0,
                        "scale of the Grams' off-diagonal entries"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, d.seed(), "picks the images"),
                MergeParameter.integer("batch_size", ParameterScope.GLOBAL, (long) d.batchSize(), 1L, (long) Integer.MAX_VALUE,
                        "images per forward pass"),
                MergeParameter.choice("patch_embedding", d.patchEmbeddingAsLinear() ? PATCH_REGMEAN : PATCH_AVERAGE,
                        List.of(PATCH_REGMEAN, PATCH_AVERAGE),
                        "merge the patch embedding as the linear layer it is, or average it (as FusionBench)"));
    }

    @Override
    public boolean needsHeads() {
        return false;
    }

    @Override
    public RegMean configure(MergeParameters p) {
        return new RegMean(new Settings((int) p.integer("samples"), p.number("alpha"), (int) p.integer("batch_size"),
                p.integer("seed"), p.choice("patch_embedding").equals(PATCH_REGMEAN)));
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("samples", Integer.toString(settings.samples()));
        m.put("alpha", Double.toString(settings.alpha()));
        m.put("seed", Long.toString(settings.seed()));
        m.put("patch_embedding", settings.patchEmbeddingAsLinear() ? "regmean" : "average");
        return m;
    }

    @Override
    public Map<String, NDArray> merge(DataMergeInput input, NDManager into, DataMergeListener listener) {
        if (!(input.model() instanceof ObservableLinears model)) {
            throw new IllegalArgumentException("RegMean needs the inputs of the model's linear layers, and the "
                    + input.model().family().name() + " family does not expose them");
        }
        ImageCounter progress = new ImageCounter(listener,
                DataMergeMethod.imagesProcessed(input, settings.samples()));
        List<ObservableLinears.Layer> layers = model.linearLayers(settings.patchEmbeddingAsLinear());
        List<String> sites = LinearInputs.sites(layers);
        int tasks = input.tasks().size();
        try (NDManager work = into.newSubManager()) {
            Map<String, long[]> canonicalShapes = new HashMap<>();
            Map<String, NDArray> gramSums = new HashMap<>();
            Map<String, NDArray> gramWeightSums = new HashMap<>();
            Map<String, NDArray> sums = new LinkedHashMap<>();
            for (int k = 0; k < tasks; k++) {
                try (NDManager taskScope = work.newSubManager()) {
                    Map<String, NDArray> w = model.toCanonical(input.tasks().get(k).weights(), taskScope);
                    Map<String, NDArray> grams = grams(model, w, input.tasks().get(k).examples(), sites, k, taskScope,
                            progress);
                    for (ObservableLinears.Layer layer : layers) {
                        NDArray reduced = reduceOffDiagonal(grams.get(layer.site()), settings.alpha());
                        NDArray weightT = float64(LinearInputs.asMatrix(w.get(layer.weight())), taskScope).transpose();
                        accumulate(gramSums, layer.weight(), reduced, work);
                        accumulate(gramWeightSums, layer.weight(), reduced.matMul(weightT), work);
                        canonicalShapes.put(layer.weight(), w.get(layer.weight()).getShape().getShape());
                    }
                    for (Map.Entry<String, NDArray> e : w.entrySet()) {
                        if (!gramSums.containsKey(e.getKey())) {
                            accumulate(sums, e.getKey(), float64(e.getValue(), taskScope), work);
                        }
                    }
                }
            }
            Map<String, NDArray> merged = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : sums.entrySet()) {
                merged.put(e.getKey(), e.getValue().div(tasks).toType(DataType.FLOAT32, false));
            }
            for (ObservableLinears.Layer layer : layers) {
                NDArray solvedT = solve(gramSums.get(layer.weight()), gramWeightSums.get(layer.weight()), model, input, layer, work);
                merged.put(layer.weight(), solvedT.transpose().reshape(new Shape(canonicalShapes.get(layer.weight())))
                        .toType(DataType.FLOAT32, false));
            }
            Map<String, NDArray> named = model.fromCanonical(merged, work);
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String key : model.parameterShapes().keySet()) {
                NDArray a = named.get(key).duplicate();
                a.attach(into);
                out.put(key, a);
            }
            return out;
        }
    }

    private static NDArray float64(NDArray a, NDManager scope) {
        NDArray d = a.toType(DataType.FLOAT64, true);
        d.attach(scope);
        return d;
    }

    /**
     * XᵀX of each site over the sampled examples, float64 [in, in], on {@code scope}, averaged as the model says:
     * over the examples, or over the rows (tokens) the site saw.
     */
    private Map<String, NDArray> grams(ObservableLinears model, Map<String, NDArray> w, Examples examples, List<String> sites,
                                       int task, NDManager scope, ImageCounter progress) {
        int[] picked = new BatchSampler(settings.seed(), settings.samples()).indices(task, 0, examples.count());
        Map<String, NDArray> sums = new HashMap<>();
        Map<String, Long> rows = new HashMap<>();
        for (int from = 0; from < picked.length; from += settings.batchSize()) {
            int to = Math.min(picked.length, from + settings.batchSize());
            int[] batch = java.util.Arrays.copyOfRange(picked, from, to);
            try (NDManager step = scope.newSubManager()) {
                model.observe(w, examples.select(batch, step), (site, x32) -> {
                    if (!sites.contains(site)) {
                        return;
                    }
                    NDArray x = x32.toType(DataType.FLOAT64, true);
                    NDArray xtx = x.transpose().matMul(x);
                    accumulate(sums, site, xtx, scope);
                    rows.merge(site, x32.getShape().get(0), Long::sum);
                    x.close();
                    xtx.close();
                });
            }
            progress.add(batch.length);
        }
        for (Map.Entry<String, NDArray> g : sums.entrySet()) {
            g.getValue().divi(model.gramAverage() == ObservableLinears.GramAverage.PER_ROW ? rows.get(g.getKey()) : picked.length);
        }
        return sums;
    }

    /** α·G + (1 − α)·diag(G): off-diagonal entries scaled by α, the diagonal kept. */
    static NDArray reduceOffDiagonal(NDArray gram, double alpha) {
        NDManager m = gram.getManager();
        long n = gram.getShape().get(0);
        NDArray eye = m.eye((int) n).toType(DataType.FLOAT64, false);
        return gram.mul(alpha).add(gram.mul(eye).mul(1 - alpha));
    }

    private static void accumulate(Map<String, NDArray> sums, String key, NDArray value, NDManager owner) {
        NDArray previous = sums.get(key);
        if (previous == null) {
            NDArray copy = value.duplicate();
            copy.attach(owner);
            sums.put(key, copy);
        } else {
            previous.addi(value);
        }
    }

    /**
     * (Σ G̃)^-1 Σ G̃ Wᵀ in float64, [in, out]. Input dimensions with a zero diagonal in the summed Gram (no task's
     * inputs ever vary there) are given the average weight, which is what adding the identity at those entries to
     * every task's Gram yields.
     */
    private static NDArray solve(NDArray gramSum, NDArray gramWeightSum, ObservableLinears model, DataMergeInput input,
                                 ObservableLinears.Layer layer, NDManager scope) {
        long n = gramSum.getShape().get(0);
        double[] s = gramSum.toDoubleArray();
        List<Integer> dead = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (s[(int) (i * n + i)] == 0) {
                dead.add(i);
            }
        }
        NDArray lhs = gramSum;
        NDArray rhs = gramWeightSum;
        if (!dead.isEmpty()) {
            int tasks = input.tasks().size();
            long out = gramWeightSum.getShape().get(1);
            double[] b = gramWeightSum.toDoubleArray();
            double[][] weightsT = new double[tasks][];
            for (int k = 0; k < tasks; k++) {
                NDArray w = model.toCanonical(input.tasks().get(k).weights(), scope).get(layer.weight());
                weightsT[k] = float64(LinearInputs.asMatrix(w), scope).transpose().toDoubleArray();
            }
            for (int i : dead) {
                s[(int) (i * n + i)] = tasks;
                for (int o = 0; o < out; o++) {
                    double sum = 0;
                    for (int k = 0; k < tasks; k++) {
                        sum += weightsT[k][(int) (i * out + o)];
                    }
                    b[(int) (i * out + o)] = sum;
                }
            }
            lhs = scope.create(s, new Shape(n, n));
            rhs = scope.create(b, new Shape(n, out));
        }
        return lhs.inverse().matMul(rhs);
    }

    /**
     * The RegMean closed form for one linear layer from explicit Grams ([in, in]) and PyTorch-oriented weights
     * ([out, in]): W = ((Σ G̃_k)^-1 Σ G̃_k W_kᵀ)ᵀ, float64 throughout, the result float32 on {@code into}.
     */
    public static NDArray mergeLinear(List<NDArray> grams, List<NDArray> weights, double alpha, NDManager into) {
        if (grams.size() != weights.size() || grams.isEmpty()) {
            throw new IllegalArgumentException(grams.size() + " Grams for " + weights.size() + " weights");
        }
        try (NDManager scope = into.newSubManager()) {
            NDArray lhs = null;
            NDArray rhs = null;
            for (int k = 0; k < grams.size(); k++) {
                NDArray g = grams.get(k).toType(DataType.FLOAT64, true);
                g.attach(scope);
                NDArray reduced = reduceOffDiagonal(g, alpha);
                NDArray wt = weights.get(k).toType(DataType.FLOAT64, true).transpose();
                wt.attach(scope);
                NDArray gw = reduced.matMul(wt);
                lhs = lhs == null ? reduced : lhs.add(reduced);
                rhs = rhs == null ? gw : rhs.add(gw);
            }
            NDArray merged = lhs.inverse().matMul(rhs).transpose().toType(DataType.FLOAT32, true);
            merged.attach(into);
            return merged;
        }
    }
}
