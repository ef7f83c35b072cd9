package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.adamerging.TiesMaskAdapter;
import io.adamerge.data.ImageDataset;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.Merges;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.train.Progress;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * What the studies share: a zoo's pretrained tower, heads, fine-tuned weights and (Ties-masked) task vectors, loaded
 * once on one manager, the first {@link StudySettings#testImages()} test images of each task, and an evaluator.
 * Close it to free the native memory.
 */
public final class StudyContext implements AutoCloseable {
    private final Zoo zoo;
    private final ZooData data;
    private final StudySettings settings;
    private final NDManager manager;
    private final ClipVisionModel.Loaded pretrained;
    private final Evaluator evaluator;
    private final Map<String, ClassificationHead> heads = new HashMap<>();
    private final Map<String, Map<String, NDArray>> finetuned = new HashMap<>();
    private final Map<String, Map<String, NDArray>> taskVectors = new HashMap<>();
    private final Map<List<String>, List<Map<String, NDArray>>> tiesVectors = new HashMap<>();
    private final Map<String, ImageDataset> tests = new HashMap<>();
    private final Map<String, AdaMergingOutcome> adaRuns = new HashMap<>();

    /**
     * A learnt AdaMerging run: its coefficients, its trajectory (every {@code trajectoryEvery} steps), the merged weights
     * at the end (on the context's manager: do not close them) and its wall time.
     */
    public record AdaMergingOutcome(String method, List<String> tasks, Coefficients coefficients, List<Coefficients> trajectory,
                                    Map<String, NDArray> merged, double seconds) {
    }

    public StudyContext(Zoo zoo, ZooData data, StudySettings settings) {
        this.zoo = zoo;
        this.data = data;
        this.settings = settings;
        this.manager = TorchRuntime.newManager();
        try {
            this.pretrained = zoo.pretrained(manager);
            this.evaluator = new Evaluator(pretrained.model(), zoo.pixels(), settings.evalBatch());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Zoo zoo() {
        return zoo;
    }

    public StudySettings settings() {
        return settings;
    }

    public NDManager manager() {
        return manager;
    }

    public Map<String, NDArray> pretrainedWeights() {
        return pretrained.weights();
    }

    /** The zoo's task, checked: a clear message names the zoo and its tasks otherwise. */
    public String checkTask(String task) {
        if (!zoo.tasks().contains(task)) {
            throw new IllegalArgumentException("the zoo in " + zoo.root() + " has no task '" + task + "'; it has " + zoo.tasks());
        }
        return task;
    }

    public synchronized ClassificationHead head(String task) {
        return heads.computeIfAbsent(checkTask(task), t -> zoo.head(t, manager));
    }

    public synchronized Map<String, NDArray> finetuned(String task) {
        return finetuned.computeIfAbsent(checkTask(task), t -> Zoo.weights(zoo.modelDir(t), manager));
    }

    public List<Map<String, NDArray>> finetuned(List<String> tasks) {
        return tasks.stream().map(this::finetuned).toList();
    }

    /** T_k = θ_k − θ_pre. */
    public synchronized Map<String, NDArray> taskVector(String task) {
        return taskVectors.computeIfAbsent(checkTask(task),
                t -> Merges.taskVectors(pretrained.weights(), List.of(finetuned(t)), manager).get(0));
    }

    public List<Map<String, NDArray>> taskVectors(List<String> tasks) {
        return tasks.stream().map(this::taskVector).toList();
    }

    /** The Ties-trimmed, sign-elected task vectors of {@code tasks} merged together (density from the settings). */
    public synchronized List<Map<String, NDArray>> tiesVectors(List<String> tasks) {
        List<String> key = List.copyOf(tasks);
        List<Map<String, NDArray>> cached = tiesVectors.get(key);
        if (cached != null) {
            return cached;
        }
        List<Map<String, float[]>> raw = new ArrayList<>();
        for (String t : tasks) {
            Map<String, float[]> tv = new LinkedHashMap<>();
            taskVector(t).forEach((name, a) -> tv.put(name, a.toFloatArray()));
            raw.add(tv);
        }
        List<Map<String, NDArray>> out = new ArrayList<>();
        for (Map<String, float[]> masked : TiesMaskAdapter.mask(raw, settings.tiesDensity())) {
            Map<String, NDArray> m = new LinkedHashMap<>();
            masked.forEach((name, v) -> m.put(name, manager.create(v, pretrained.weights().get(name).getShape())));
            out.add(m);
        }
        tiesVectors.put(key, out);
        return out;
    }

    /** θ_pre + λ Σ_k T_k on {@code into}. */
    public Map<String, NDArray> taskArithmetic(List<String> tasks, double lambda, NDManager into) {
        return Merges.taskArithmetic(pretrained.weights(), taskVectors(tasks), lambda, into);
    }

    /** Ties-Merging: θ_pre + λ Σ_k trimmed, sign-agreeing T_k, on {@code into}. */
    public Map<String, NDArray> ties(List<String> tasks, double lambda, NDManager into) {
        return Merges.taskArithmetic(pretrained.weights(), tiesVectors(tasks), lambda, into);
    }

    /** The first {@code testImages} labelled test images of {@code task}. */
    public synchronized ImageDataset test(String task) {
        return tests.computeIfAbsent(checkTask(task), t -> first(data.test(t), settings.testImages()));
    }

    static ImageDataset first(ImageDataset d, int n) {
        if (n <= 0 || n >= d.size()) {
            return d;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return d.subset(d.name(), idx);
    }

    /** Accuracy, entropy and cross-entropy of {@code weights} with {@code task}'s own head on {@code images}. */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, ImageDataset images) {
        try (NDManager scope = manager.newSubManager()) {
            return evaluator.evaluate(task, weights, head(task), images, 0, scope);
        }
    }

    /** {@link #evaluate(String, Map, ImageDataset)} on the task's test images. */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights) {
        return evaluate(task, weights, test(task));
    }

    /**
     * Layer-wise AdaMerging (or ++) of {@code tasks}, learnt on {@code unlabelled} (one dataset per task, labels
     * unused); cached under {@code key} so that studies run together share a run.
     */
    public synchronized AdaMergingOutcome adaMerging(String key, List<String> tasks, boolean plus, List<ImageDataset> unlabelled) {
        String cacheKey = key + (plus ? "++" : "") + tasks;
        AdaMergingOutcome cached = adaRuns.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        long t0 = System.nanoTime();
        AdaMergingConfig config = AdaMergingConfig.defaults(Granularity.LAYER, plus).withSteps(settings.adaSteps())
                .withBatchSize(settings.adaBatch()).withSeed(settings.seed()).withTiesDensity(settings.tiesDensity());
        List<AdaMerging.Task> adaTasks = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            adaTasks.add(new AdaMerging.Task(tasks.get(k), head(tasks.get(k)), images(unlabelled.get(k))));
        }
        List<Coefficients> trajectory = new ArrayList<>();
        String name = "AdaMerging" + (plus ? "++" : "") + " (" + key + ")";
        try (AdaMerging ada = AdaMerging.create(pretrained.model(), pretrained.weights(), finetuned(tasks), adaTasks, config, manager);
             ProgressBar bar = Progress.bar(name, config.steps())) {
            Coefficients start = ada.initialCoefficients();
            trajectory.add(start);
            Coefficients end = ada.run(start, (result, updated) -> {
                bar.step();
                bar.setExtraMessage(String.format(java.util.Locale.ROOT, " entropy %.4f", result.loss()));
                if (updated.step() % settings.trajectoryEvery() == 0) {
                    trajectory.add(updated);
                }
            });
            if (trajectory.get(trajectory.size() - 1).step() != end.step()) {
                trajectory.add(end);
            }
            AdaMergingOutcome out = new AdaMergingOutcome(name, List.copyOf(tasks), end, List.copyOf(trajectory),
                    ada.merge(end, manager), (System.nanoTime() - t0) / 1e9);
            adaRuns.put(cacheKey, out);
            return out;
        }
    }

    /** The merged weights of a learnt run (or one point of its trajectory), on {@code into}. */
    public Map<String, NDArray> merge(List<String> tasks, boolean plus, Coefficients coefficients, NDManager into) {
        AdaMergingConfig config = AdaMergingConfig.defaults(coefficients.granularity(), plus).withTiesDensity(settings.tiesDensity());
        List<AdaMerging.Task> dummy = new ArrayList<>();
        for (String t : tasks) {
            dummy.add(new AdaMerging.Task(t, head(t), images(first(test(t), 1))));
        }
        try (AdaMerging ada = AdaMerging.create(pretrained.model(), pretrained.weights(), finetuned(tasks), dummy, config, manager)) {
            return ada.merge(coefficients, into);
        }
    }

    /** Normalised pixels of a dataset as AdaMerging's unlabelled task images. */
    private TaskImages images(ImageDataset d) {
        float[] px = d.pixels().clone();
        zoo.pixels().applyInPlace(px);
        return new TaskImages(d.name(), d.size(), d.spec().channels(), d.spec().height(), d.spec().width(), px);
    }

    @Override
    public void close() {
        manager.close();
    }
}
