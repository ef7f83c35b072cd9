package io.adamerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.merge.InMemoryMerge;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.ScalableMerge;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.Encoder;
import io.adamerge.model.ModelFamily;
import io.adamerge.model.TorchRuntime;
import io.adamerge.train.PixelNormalization;
import io.adamerge.zoo.Zoo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models of a merging experiment (FusionBench's model pool): a zoo's pretrained tower, its fine-tuned towers and
 * frozen heads, their task vectors T_k = θ_k − θ_pre, the multi-task model, and merges of them. Loaded on first use
 * (a run served from a cache never starts the engine), once, on one manager; close the pool to free native memory.
 * Shared by the main table, the studies and the zoo report.
 *
 * <p>Data-free merges run any method of the one registry on the pool's weights in memory, through core's
 * {@link InMemoryMerge} — the same arithmetic as {@code adamerge merge} on files.
 */
public final class ModelPool implements AutoCloseable {
    /** Where a pool's models come from: an image zoo, a text zoo. */
    public interface Source {
        /** For messages: the zoo's folder. */
        String root();

        List<String> tasks();

        ModelFamily.Loaded pretrained(NDManager manager);

        Map<String, NDArray> finetuned(String task, NDManager manager);

        ClassificationHead head(String task, NDManager manager);

        Map<String, NDArray> multitask(NDManager manager);
    }

    private final Zoo zoo;
    private final Source source;
    private final InMemoryMerge merger;
    private NDManager manager;
    private ModelFamily.Loaded pretrained;
    private Map<String, FloatTensor> pretrainedFloats;
    private final Map<String, ClassificationHead> heads = new HashMap<>();
    private final Map<String, Map<String, NDArray>> finetuned = new HashMap<>();
    private final Map<String, Map<String, FloatTensor>> finetunedFloats = new HashMap<>();
    private final Map<String, Map<String, NDArray>> taskVectors = new HashMap<>();

    /** A pool over the zoo's models, merging with the methods of {@code registry}. */
    public ModelPool(Zoo zoo, MergeMethods registry) {
        this(zoo, new Source() {
            @Override
            public String root() {
                return zoo.root().toString();
            }

            @Override
            public List<String> tasks() {
                return zoo.tasks();
            }

            @Override
            public ModelFamily.Loaded pretrained(NDManager m) {
                ClipVisionModel.Loaded loaded = zoo.pretrained(m);
                return new ModelFamily.Loaded(loaded.model(), loaded.weights());
            }

            @Override
            public Map<String, NDArray> finetuned(String task, NDManager m) {
                return Zoo.weights(zoo.modelDir(task), m);
            }

            @Override
            public ClassificationHead head(String task, NDManager m) {
                return zoo.head(task, m);
            }

            @Override
            public Map<String, NDArray> multitask(NDManager m) {
                return Zoo.weights(zoo.multitaskDir(), m);
            }
        }, registry);
    }

    /** A pool over any source's models (a text zoo's BERT encoders), merging with the methods of {@code registry}. */
    public ModelPool(Source source, MergeMethods registry) {
        this(null, source, registry);
    }

    private ModelPool(Zoo zoo, Source source, MergeMethods registry) {
        this.zoo = zoo;
        this.source = source;
        this.merger = new InMemoryMerge(registry);
    }

    /** A pool over the zoo's models and every method on the class path. */
    public static ModelPool of(Zoo zoo) {
        return new ModelPool(zoo, MergeMethods.discover());
    }

    /** The image zoo of a pool built on one. */
    public Zoo zoo() {
        if (zoo == null) {
            throw new IllegalStateException("the pool over " + source.root() + " is not an image zoo's");
        }
        return zoo;
    }

    /** The source's folder, for messages. */
    public String root() {
        return source.root();
    }

    public MergeMethods methods() {
        return merger.methods();
    }

    public List<String> tasks() {
        return source.tasks();
    }

    public PixelNormalization pixels() {
        return zoo().pixels();
    }

    /** The pool's manager (the engine starts here, on first use). */
    public synchronized NDManager manager() {
        if (manager == null) {
            NDManager m = TorchRuntime.newManager();
            try {
                pretrained = source.pretrained(m);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            manager = m;
        }
        return manager;
    }

    /** The CLIP tower of an image pool (its functional forward takes any weights of its layout). */
    public ClipVisionModel model() {
        if (!(encoder() instanceof ClipVisionModel tower)) {
            throw new IllegalStateException("the pool over " + source.root() + " holds " + encoder().family().name() + " models, not CLIP towers");
        }
        return tower;
    }

    /** The encoder of the pool's family (its functional forward takes any weights of its layout). */
    public Encoder encoder() {
        manager();
        return pretrained.encoder();
    }

    public Map<String, NDArray> pretrained() {
        manager();
        return pretrained.weights();
    }

    /** The zoo's task, checked: a clear message names the zoo and its tasks otherwise. */
    public String checkTask(String task) {
        if (!source.tasks().contains(task)) {
            throw new IllegalArgumentException("the zoo in " + source.root() + " has no task '" + task + "'; it has " + source.tasks());
        }
        return task;
    }

    public synchronized ClassificationHead head(String task) {
        NDManager m = manager();
        return heads.computeIfAbsent(checkTask(task), t -> source.head(t, m));
    }

    /** The heads of {@code tasks}, in order. */
    public Map<String, ClassificationHead> heads(List<String> tasks) {
        Map<String, ClassificationHead> out = new LinkedHashMap<>();
        tasks.forEach(t -> out.put(t, head(t)));
        return out;
    }

    public synchronized Map<String, NDArray> finetuned(String task) {
        NDManager m = manager();
        return finetuned.computeIfAbsent(checkTask(task), t -> source.finetuned(t, m));
    }

    public List<Map<String, NDArray>> finetuned(List<String> tasks) {
        return tasks.stream().map(this::finetuned).toList();
    }

    /** The jointly trained multi-task model, on {@code into}. */
    public Map<String, NDArray> multitask(NDManager into) {
        manager();
        return source.multitask(into);
    }

    /** T_k = θ_k − θ_pre, in F32 (long-lived: only read it). */
    public synchronized Map<String, NDArray> taskVector(String task) {
        Map<String, NDArray> cached = taskVectors.get(checkTask(task));
        if (cached != null) {
            return cached;
        }
        Map<String, NDArray> ft = finetuned(task);
        Map<String, NDArray> tv = new LinkedHashMap<>();
        pretrained().forEach((name, pre) -> {
            NDArray t = ft.get(name).sub(pre);
            t.attach(manager);
            tv.put(name, t);
        });
        taskVectors.put(task, tv);
        return tv;
    }

    public List<Map<String, NDArray>> taskVectors(List<String> tasks) {
        return tasks.stream().map(this::taskVector).toList();
    }

    /**
     * The merge of {@code tasks}' fine-tuned models by the data-free registry method {@code method} with these
     * parameter values (raw, as in a merge config; per-model parameters given once apply to every model), on {@code into}.
     */
    public Map<String, NDArray> merge(String method, Map<String, ?> parameters, List<String> tasks, NDManager into) {
        return merge(method, parameters, List.of(), tasks, into);
    }

    /** As {@link #merge(String, Map, List, NDManager)} with per-model values, in {@code tasks} order. */
    public Map<String, NDArray> merge(String method, Map<String, ?> parameters, List<? extends Map<String, ?>> perModel,
                                      List<String> tasks, NDManager into) {
        List<Map<String, FloatTensor>> models = new ArrayList<>();
        tasks.forEach(t -> models.add(finetunedFloats(t)));
        Map<String, FloatTensor> base = merger.methods().dataFree(method).requiresBase() ? pretrainedFloats() : null;
        return toArrays(merger.merge(method, parameters, perModel, base, models), into);
    }

    /**
     * The merge of {@code tasks}' fine-tuned models by a data-free method with a
     * {@link io.adamerge.merge.MergeMethod#scaleParameter() scale parameter}, its merged task vector computed once
     * (every SVD of a spectral merge): {@link Scalable#at} is then {@link #merge(String, Map, List, NDManager)} with
     * that parameter's value, bit for bit, at the cost of one rescaling. The scale parameter's value in
     * {@code parameters} is not used.
     */
    public Scalable scalable(String method, Map<String, ?> parameters, List<String> tasks) {
        io.adamerge.merge.MergeMethod m = merger.methods().dataFree(method);
        List<Map<String, FloatTensor>> models = new ArrayList<>();
        tasks.forEach(t -> models.add(finetunedFloats(t)));
        io.adamerge.merge.MergeParameters p = io.adamerge.merge.MergeParameters.resolve(m, parameters, List.of(), models.size());
        return new Scalable(merger.scalable(m, p, pretrainedFloats(), models));
    }

    /** A merge at any value of its method's scale parameter (see {@link #scalable}). */
    public record Scalable(ScalableMerge merge) {
        /** The merged weights at scale {@code scale}, on {@code into}. */
        public Map<String, NDArray> at(double scale, NDManager into) {
            return toArrays(merge.at(scale), into);
        }
    }

    /**
     * Task arithmetic with one coefficient per task and parameter tensor, θ^l = θ_pre^l + Σ_k λ[k][l] T_k^l, where l
     * indexes the pretrained tensors in order: the registry's {@code task_arithmetic}, run tensor by tensor with that
     * tensor's coefficients.
     */
    public Map<String, NDArray> layerWise(List<String> tasks, double[][] lambdas, NDManager into) {
        if (lambdas.length != tasks.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks but " + lambdas.length + " rows of coefficients");
        }
        Map<String, FloatTensor> pre = pretrainedFloats();
        for (int k = 0; k < lambdas.length; k++) {
            if (lambdas[k].length != pre.size()) {
                throw new IllegalArgumentException("coefficient row " + k + " has " + lambdas[k].length + " entries for "
                        + pre.size() + " tensors");
            }
        }
        List<Map<String, FloatTensor>> models = tasks.stream().map(this::finetunedFloats).toList();
        Map<String, FloatTensor> merged = new LinkedHashMap<>();
        int l = 0;
        for (String name : pre.keySet()) {
            List<Map<String, ?>> perModel = new ArrayList<>();
            List<Map<String, FloatTensor>> one = new ArrayList<>();
            for (int k = 0; k < tasks.size(); k++) {
                perModel.add(Map.of("lambda", lambdas[k][l]));
                one.add(Map.of(name, models.get(k).get(name)));
            }
            merged.putAll(merger.merge("task_arithmetic", Map.of(), perModel, Map.of(name, pre.get(name)), one));
            l++;
        }
        return toArrays(merged, into);
    }

    /** The merge at learnt coefficients (clamped to [0, 1], as AdaMerging merges), task- or layer-wise. */
    public Map<String, NDArray> merge(List<String> tasks, Coefficients coefficients, NDManager into) {
        Map<String, FloatTensor> pre = pretrainedFloats();
        List<String> keys = new ArrayList<>(pre.keySet());
        Coefficients c = coefficients.alignedTo(keys, coefficients.granularity(), tasks.size(), "coefficients");
        double[][] lambdas = new double[tasks.size()][keys.size()];
        for (int k = 0; k < tasks.size(); k++) {
            for (int l = 0; l < keys.size(); l++) {
                lambdas[k][l] = c.clamped(c.granularity() == Granularity.TASK ? 0 : l, k);
            }
        }
        return layerWise(tasks, lambdas, into);
    }

    private synchronized Map<String, FloatTensor> pretrainedFloats() {
        if (pretrainedFloats == null) {
            pretrainedFloats = floats(pretrained());
        }
        return pretrainedFloats;
    }

    private synchronized Map<String, FloatTensor> finetunedFloats(String task) {
        Map<String, FloatTensor> cached = finetunedFloats.get(checkTask(task));
        if (cached == null) {
            cached = floats(finetuned(task));
            finetunedFloats.put(task, cached);
        }
        return cached;
    }

    private static Map<String, FloatTensor> floats(Map<String, NDArray> weights) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        weights.forEach((name, a) -> out.put(name, new FloatTensor(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    private static Map<String, NDArray> toArrays(Map<String, FloatTensor> weights, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> out.put(name, into.create(t.data(), new Shape(t.shape()))));
        return out;
    }

    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }
}
