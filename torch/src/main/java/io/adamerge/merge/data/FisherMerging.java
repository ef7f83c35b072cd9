package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import io.adamerge.model.Encoder;
import io.adamerge.model.Gradients;
import io.adamerge.model.Examples;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Fisher merging (Matena and Raffel, NeurIPS 2022): θ = Σ_k F_k θ_k / Σ_k F_k element-wise, with F_k the diagonal
 * empirical Fisher of fine-tuned tower k with its head on N unlabelled images of its task,
 * F_k = 1/N Σ_i (∇_θ log p_θ(y_i | x_i))², the label y_i drawn (seeded) from the model's own predictive
 * distribution p_θ(· | x_i). Per-sample gradients come from one backward pass per image. A floor ε is added to
 * every F_k so entries no task is sensitive to fall back to the plain average instead of 0/0.
 */
public final class FisherMerging implements DataMergeMethod {
    /**
     * @param samples images per task (all when a task has fewer)
     * @param seed    picks the images and draws the labels
     * @param floor   ε added to every Fisher entry
     */
    public record Settings(int samples, long seed, float floor) {
        public Settings {
            if (samples <= 0) {
                throw new IllegalArgumentException("samples must be > 0, got " + samples);
            }
            if (!(floor > 0) || !Float.isFinite(floor)) {
                throw new IllegalArgumentException("Fisher floor must be > 0, got " + floor);
            }
        }

        /** 256 images per task, seed 0, floor 1e-8. */
        public static Settings defaults() {
            return new Settings(256, 0, 1e-8f);
        }
    }

    private final Settings settings;

    /** The registry entry: the default settings. */
    public FisherMerging() {
        this(Settings.defaults());
    }

    public FisherMerging(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "fisher";
    }

    @Override
    public List<String> aliases() {
        return List.of("fisher_merging");
    }

    @Override
    public String description() {
        return "Fisher merging: θ = Σ F_k θ_k / Σ F_k, F_k the diagonal empirical Fisher of model k with its head "
                + "on its task's data";
    }

    @Override
    public List<MergeParameter> parameters() {
        Settings d = Settings.defaults();
        return List.of(
                MergeParameter.integer("samples", ParameterScope.GLOBAL, (long) d.samples(), 1L, (long) Integer.MAX_VALUE,
                        "images per task for the Fisher (all when a task has fewer)"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, d.seed(), "picks the images and draws the labels"),
                MergeParameter.number("floor", ParameterScope.GLOBAL, Double.valueOf(Float.toString(d.floor())), Double.MIN_VALUE, null,
                        "ε added to every Fisher entry, so entries no task is sensitive to are averaged"));
    }

    @Override
    public boolean needsHeads() {
        return true;
    }

    @Override
    public FisherMerging configure(MergeParameters p) {
        return new FisherMerging(new Settings((int) p.integer("samples"), p.integer("seed"), (float) p.number("floor")));
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("samples", Integer.toString(settings.samples()));
        m.put("seed", Long.toString(settings.seed()));
        m.put("floor", Float.toString(settings.floor()));
        return m;
    }

    @Override
    public Map<String, NDArray> merge(DataMergeInput input, NDManager into, DataMergeListener listener) {
        ImageCounter progress = new ImageCounter(listener,
                DataMergeMethod.imagesProcessed(input, settings.samples()));
        try (NDManager work = into.newSubManager()) {
            List<Map<String, NDArray>> weights = new ArrayList<>();
            List<Map<String, NDArray>> fishers = new ArrayList<>();
            for (int k = 0; k < input.tasks().size(); k++) {
                DataMergeInput.Task t = input.tasks().get(k);
                if (t.head() == null) {
                    throw new IllegalArgumentException("Fisher merging needs the head of task '" + t.name() + "'");
                }
                weights.add(t.weights());
                fishers.add(diagonalFisher(input.model(), t.weights(), t.head(), t.examples(), k, work, progress));
            }
            return combine(weights, fishers, settings.floor(), into);
        }
    }

    /**
     * The diagonal empirical Fisher of one tower with its head, per parameter, as new arrays on {@code into}.
     *
     * @param task selects this task's image sample and label stream (with the seed)
     */
    public Map<String, NDArray> diagonalFisher(Encoder model, Map<String, NDArray> weights, ClassificationHead head,
                                               Examples images, int task, NDManager into) {
        return diagonalFisher(model, weights, head, images, task, into, new ImageCounter(DataMergeListener.NONE, 0));
    }

    private Map<String, NDArray> diagonalFisher(Encoder model, Map<String, NDArray> weights, ClassificationHead head,
                                                Examples images, int task, NDManager into, ImageCounter progress) {
        int[] picked = new BatchSampler(settings.seed(), settings.samples()).indices(task, 0, images.count());
        SplittableRandom labels = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + task);
        Map<String, NDArray> fisher = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            NDArray z = into.zeros(e.getValue().getShape());
            fisher.put(e.getKey(), z);
        }
        for (int i : picked) {
            try (NDManager step = into.newSubManager()) {
                Batch batch = images.select(new int[] {i}, step);
                // a text reads ~30 rows of its token-embedding table: that table's leaf is just those rows (every
                // other row's gradient is exactly 0 and adds nothing), instead of a dense [vocabulary, hidden] gradient
                Optional<Encoder.ReadRows> read = model.readRows(batch, step);
                String table = read.map(Encoder.ReadRows::table).orElse(null);
                NDIndex rows = read.map(r -> new NDIndex("{}", step.create(r.rows()))).orElse(null);
                // fresh leaves sharing the weights' storage: each backward leaves exactly this sample's gradient
                Map<String, NDArray> leaves = Gradients.leaves(weights, step);
                if (table != null) {
                    leaves.put(table, Gradients.rowLeaf(weights.get(table), rows, step));
                }
                Batch input = read.isPresent() ? read.get().rebased() : batch;
                try (GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                    NDArray logProbs = head.logits(model.embed(leaves, input)).logSoftmax(-1);
                    int y = draw(logProbs.exp().toFloatArray(), labels);
                    NDArray negLogLikelihood = logProbs.get(0, y).neg();
                    collector.backward(negLogLikelihood);
                }
                for (Map.Entry<String, NDArray> e : leaves.entrySet()) {
                    NDArray g = e.getValue().getGradient();
                    NDArray squared = g.muli(g);
                    NDArray f = fisher.get(e.getKey());
                    if (e.getKey().equals(table)) {
                        Gradients.addRows(f, rows, squared, step);
                    } else {
                        f.addi(squared);
                    }
                }
            }
            progress.add(1);
        }
        for (NDArray f : fisher.values()) {
            f.divi(picked.length);
        }
        return fisher;
    }

    /** A class drawn from {@code probs} (they sum to 1 up to rounding; the last class takes the remainder). */
    static int draw(float[] probs, SplittableRandom random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int c = 0; c < probs.length - 1; c++) {
            cumulative += probs[c];
            if (u < cumulative) {
                return c;
            }
        }
        return probs.length - 1;
    }

    /**
     * θ = Σ_k (F_k + ε) θ_k / Σ_k (F_k + ε) for every tensor of {@code weights.get(0)}, as new float32 arrays on
     * {@code into}. With equal Fishers this is the plain average; with one model it is that model.
     */
    public static Map<String, NDArray> combine(List<Map<String, NDArray>> weights, List<Map<String, NDArray>> fishers, float floor,
                                               NDManager into) {
        if (weights.size() != fishers.size() || weights.isEmpty()) {
            throw new IllegalArgumentException(weights.size() + " models with " + fishers.size() + " Fishers");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String key : weights.get(0).keySet()) {
            try (NDManager scope = into.newSubManager()) {
                NDArray numerator = null;
                NDArray denominator = null;
                for (int k = 0; k < weights.size(); k++) {
                    NDArray f = fishers.get(k).get(key);
                    if (f == null) {
                        throw new IllegalArgumentException("no Fisher for tensor '" + key + "' of model " + k);
                    }
                    NDArray fk = f.add(floor);
                    fk.attach(scope);
                    NDArray weighted = fk.mul(weights.get(k).get(key));
                    numerator = numerator == null ? weighted : numerator.add(weighted);
                    denominator = denominator == null ? fk : denominator.add(fk);
                }
                NDArray merged = numerator.div(denominator);
                merged.attach(into);
                out.put(key, merged);
            }
        }
        return out;
    }
}
