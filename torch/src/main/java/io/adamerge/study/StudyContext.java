package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.data.ImageDataset;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.merge.testtime.TestTimeMerge;
import io.adamerge.train.Progress;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * What the studies share: the zoo's {@link ModelPool} and {@link TaskPool}, the methods they compare (any methods of
 * the one registry, {@link StudyMethod}), the first {@link StudySettings#testImages()} test images of each task, and
 * the learnt test-time runs, so that studies run together share a run. Close it to free the native memory.
 */
public final class StudyContext implements AutoCloseable {
    private final StudySettings settings;
    private final ModelPool models;
    private final TaskPool taskPool;
    private final List<StudyMethod> methods;
    private final Map<String, ImageDataset> tests = new HashMap<>();
    private final Map<String, AdaMergingOutcome> learntRuns = new HashMap<>();

    /**
     * A learnt test-time run: its coefficients, its trajectory (every {@code trajectoryEvery} steps), the merged weights
     * at the end (on the context's manager: do not close them) and its wall time.
     */
    public record AdaMergingOutcome(String method, List<String> tasks, Coefficients coefficients, List<Coefficients> trajectory,
                                    Map<String, NDArray> merged, double seconds) {
    }

    /** The paper's four methods. */
    public StudyContext(Zoo zoo, ZooData data, StudySettings settings) {
        this(zoo, data, settings, StudyMethod.defaults(), MergeMethods.discover());
    }

    /** The studies comparing {@code methods}, names of {@code registry}'s methods (checked here). */
    public StudyContext(Zoo zoo, ZooData data, StudySettings settings, List<String> methods, MergeMethods registry) {
        this(zoo, TaskPool.Splits.of(data), settings, methods, registry);
    }

    /** As {@link #StudyContext(Zoo, ZooData, StudySettings, List, MergeMethods)} on any labelled splits of the zoo's tasks. */
    public StudyContext(Zoo zoo, TaskPool.Splits data, StudySettings settings, List<String> methods, MergeMethods registry) {
        this.settings = settings;
        this.methods = methods.stream().map(m -> StudyMethod.of(m, settings, registry)).toList();
        if (this.methods.isEmpty()) {
            throw new IllegalArgumentException("the studies need at least one method");
        }
        this.models = new ModelPool(zoo, registry);
        this.taskPool = new TaskPool(models, data, settings.evalBatch());
        models.manager();
    }

    public Zoo zoo() {
        return models.zoo();
    }

    public StudySettings settings() {
        return settings;
    }

    public ModelPool models() {
        return models;
    }

    public TaskPool taskPool() {
        return taskPool;
    }

    /** The methods the studies compare, in row order. */
    public List<StudyMethod> methods() {
        return methods;
    }

    public NDManager manager() {
        return models.manager();
    }

    public Map<String, NDArray> pretrainedWeights() {
        return models.pretrained();
    }

    /** The zoo's task, checked: a clear message names the zoo and its tasks otherwise. */
    public String checkTask(String task) {
        return models.checkTask(task);
    }

    /** T_k = θ_k − θ_pre. */
    public Map<String, NDArray> taskVector(String task) {
        return models.taskVector(task);
    }

    public List<Map<String, NDArray>> taskVectors(List<String> tasks) {
        return models.taskVectors(tasks);
    }

    /** The first {@code testImages} labelled test images of {@code task}. */
    public synchronized ImageDataset test(String task) {
        return tests.computeIfAbsent(checkTask(task), t -> first(taskPool.test(t), settings.testImages()));
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
        try (NDManager scope = manager().newSubManager()) {
            return taskPool.evaluate(task, weights, images, 0, scope);
        }
    }

    /** {@link #evaluate(String, Map, ImageDataset)} on the task's test images. */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights) {
        return evaluate(task, weights, test(task));
    }

    /**
     * The merged weights of {@code tasks} by {@code method}: a data-free merge on {@code into}; a data-driven merge on the
     * tasks' unlabelled train images, on {@code into}; a test-time method learns its coefficients on {@code unlabelled}
     * and returns the run's merged weights, cached under {@code runKey} (long-lived: only read them).
     */
    public Map<String, NDArray> merge(StudyMethod method, String runKey, List<String> tasks, List<ImageDataset> unlabelled,
                                      NDManager into) {
        MergeMethodInfo m = method.method();
        return switch (m.kind()) {
            case DATA_FREE -> models.merge(m.name(), method.parameters(), tasks, into);
            case TEST_TIME -> learn(method, runKey, tasks, unlabelled).merged();
            case SEARCH -> throw new IllegalArgumentException(m.name() + " searches coefficients on labelled validation data; the "
                    + "studies run data-free, data-driven and test-time methods (its rows are in the demo's table)");
            case DATA_DRIVEN -> {
                if (!(m instanceof DataMergeMethod data)) {
                    throw new IllegalArgumentException(m.name() + " is data-driven but no module on the class path computes it");
                }
                DataMergeMethod configured = data.configure(MergeParameters.resolve(m, method.parameters(), List.of(), tasks.size()));
                List<DataMergeInput.Task> inputs = new ArrayList<>();
                for (String t : tasks) {
                    inputs.add(new DataMergeInput.Task(t, models.finetuned(t), models.head(t),
                            taskPool.unlabelled(t + " train", taskPool.train(t), 0)));
                }
                yield configured.merge(new DataMergeInput(models.model(), inputs), into);
            }
        };
    }

    /**
     * The test-time method's run on {@code tasks}, learnt on {@code unlabelled} (one dataset per task, labels unused);
     * cached under {@code key} so that studies run together share a run.
     */
    public synchronized AdaMergingOutcome learn(StudyMethod method, String key, List<String> tasks, List<ImageDataset> unlabelled) {
        if (!(method.method() instanceof TestTimeMerge testTime)) {
            throw new IllegalArgumentException(method.method().name() + " is not a test-time method this module computes");
        }
        String cacheKey = key + " " + method.method().name() + tasks;
        AdaMergingOutcome cached = learntRuns.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        long t0 = System.nanoTime();
        MergeParameters params = MergeParameters.resolve(testTime, method.parameters(), List.of(), tasks.size());
        List<TaskImages> images = new ArrayList<>();
        for (ImageDataset d : unlabelled) {
            images.add(taskPool.unlabelled(d.name(), d, 0));
        }
        List<Coefficients> trajectory = new ArrayList<>();
        String name = method.label() + " (" + key + ")";
        int steps = testTime.steps(params);
        try (ProgressBar bar = Progress.bar(name, steps)) {
            TestTimeMerge.Outcome outcome = testTime.run(models, tasks, images, params, new TestTimeMerge.Listener() {
                @Override
                public void started(Coefficients initial) {
                    trajectory.add(initial);
                }

                @Override
                public void afterStep(int step, float loss, Coefficients updated) {
                    bar.step();
                    bar.setExtraMessage(String.format(java.util.Locale.ROOT, " entropy %.4f", loss));
                    if (updated.step() % settings.trajectoryEvery() == 0) {
                        trajectory.add(updated);
                    }
                }
            }, manager());
            Coefficients end = outcome.coefficients();
            if (trajectory.isEmpty() || trajectory.get(trajectory.size() - 1).step() != end.step()) {
                trajectory.add(end);
            }
            AdaMergingOutcome out = new AdaMergingOutcome(name, List.copyOf(tasks), end, List.copyOf(trajectory), outcome.merged(),
                    (System.nanoTime() - t0) / 1e9);
            learntRuns.put(cacheKey, out);
            return out;
        }
    }

    /** The merged weights at learnt coefficients (or one point of a trajectory), on {@code into}. */
    public Map<String, NDArray> merge(List<String> tasks, Coefficients coefficients, NDManager into) {
        return models.merge(tasks, coefficients, into);
    }

    @Override
    public void close() {
        models.close();
    }
}
