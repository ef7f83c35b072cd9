package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.model.Examples;
import io.adamerge.merge.testtime.TestTimeMerge;
import io.adamerge.train.Progress;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.TextZoo;
import io.adamerge.zoo.ZooData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * What the studies share, on either benchmark: the zoo's {@link ModelPool} and its labelled {@link StudyData} (images
 * or texts), the methods they compare (any methods of the one registry, {@link StudyMethod}), the first
 * {@link StudySettings#testImages()} test examples of each task, and the learnt test-time runs, so that studies run
 * together share a run. Close it to free the native memory.
 */
public final class StudyContext implements AutoCloseable {
    private final StudySettings settings;
    private final ModelPool models;
    private final StudyData data;
    private final List<StudyMethod> methods;
    private final Map<String, TaskSplit> tests = new HashMap<>();
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
        this(new ModelPool(zoo, registry), pool -> new ImageStudyData(new TaskPool(pool, data, settings.evalBatch())), settings, methods,
                registry);
    }

    /** The studies on a text zoo: its BERT encoders and its tasks' texts (split with the zoo's data seed). */
    public static StudyContext text(TextZoo zoo, DataDirectory data, StudySettings settings, List<String> methods, MergeMethods registry) {
        return new StudyContext(new ModelPool(zoo.models(), registry),
                pool -> new TextStudyData(zoo, data, pool, settings.evalBatch()), settings, methods, registry);
    }

    /** The studies on any pool of models and its labelled data. */
    public StudyContext(ModelPool models, java.util.function.Function<ModelPool, StudyData> data, StudySettings settings,
                        List<String> methods, MergeMethods registry) {
        this.settings = settings;
        this.methods = methods.stream().map(m -> StudyMethod.of(m, settings, registry)).toList();
        if (this.methods.isEmpty()) {
            throw new IllegalArgumentException("the studies need at least one method");
        }
        this.models = models;
        this.data = data.apply(models);
        models.manager();
    }

    public StudySettings settings() {
        return settings;
    }

    public ModelPool models() {
        return models;
    }

    /** The benchmark's labelled data. */
    public StudyData data() {
        return data;
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

    /** The first {@code testImages} labelled test examples of {@code task}. */
    public synchronized TaskSplit test(String task) {
        return tests.computeIfAbsent(checkTask(task), t -> data.first(data.test(t), settings.testImages()));
    }

    /** The first {@code testImages} labelled validation examples of {@code task} (never the test split). */
    public TaskSplit validation(String task) {
        return data.first(data.validation(checkTask(task)), settings.testImages());
    }

    /** {@code split} corrupted by one of {@link StudyData#corruptions()} at the studies' severity and seed. */
    public TaskSplit corrupt(TaskSplit split, String corruption) {
        return data.corrupt(split, corruption, settings.severity(), settings.seed());
    }

    /** Accuracy, entropy and cross-entropy of {@code weights} with {@code task}'s own head on {@code split}. */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, TaskSplit split) {
        try (NDManager scope = manager().newSubManager()) {
            return data.evaluate(task, weights, split, scope);
        }
    }

    /** {@link #evaluate(String, Map, TaskSplit)} on the task's test examples. */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights) {
        return evaluate(task, weights, test(task));
    }

    /**
     * The merged weights of {@code tasks} by {@code method}: a data-free merge on {@code into}; a data-driven merge on the
     * tasks' unlabelled train images, on {@code into}; a test-time method learns its coefficients on {@code unlabelled}
     * and returns the run's merged weights, cached under {@code runKey} (long-lived: only read them).
     */
    public Map<String, NDArray> merge(StudyMethod method, String runKey, List<String> tasks, List<TaskSplit> unlabelled,
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
                    inputs.add(new DataMergeInput.Task(t, models.finetuned(t), models.head(t), this.data.unlabelled(this.data.train(t))));
                }
                yield configured.merge(new DataMergeInput(models.encoder(), inputs), into);
            }
        };
    }

    /**
     * The test-time method's run on {@code tasks}, learnt on {@code unlabelled} (one dataset per task, labels unused);
     * cached under {@code key} so that studies run together share a run.
     */
    public synchronized AdaMergingOutcome learn(StudyMethod method, String key, List<String> tasks, List<TaskSplit> unlabelled) {
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
        List<Examples> images = new ArrayList<>();
        for (TaskSplit d : unlabelled) {
            images.add(data.unlabelled(d));
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
        try {
            data.close();
        } finally {
            models.close();
        }
    }
}
