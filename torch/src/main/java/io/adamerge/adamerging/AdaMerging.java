package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.Entropy;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdaMerging (Yang et al., ICLR 2024) as the official implementation does it: the merged weights
 * θ^l = θ_pre^l + Σ_k clamp(λ_k^l, 0, 1)·T_k^l (one λ_k per task, or per task and parameter tensor), and λ
 * learnt by Adam on the sum over tasks of the batch-mean Shannon entropy of each task's frozen head on an
 * unlabelled batch of its test images. Heads are never merged.
 *
 * <p>Each step builds the merged weights once and runs every task's batch through the merged tower in a single
 * forward pass (batches concatenated, embeddings split per task for the heads); dL/dλ comes from DJL autograd
 * through the clamp and the merge, the same as PyTorch's autograd in the official code.
 *
 * <p>An instance holds the pretrained weights and the (stacked) task vectors on its own manager; close it.
 */
public final class AdaMerging implements AutoCloseable {
    /** One task: its frozen head and its unlabelled images. */
    public record Task(String name, ClassificationHead head, TaskImages images) {
    }

    /**
     * What one step computed, before the update.
     *
     * @param step      0-based index of the step (it picks the batches)
     * @param loss      Σ_k mean entropy of task k
     * @param taskLoss  mean entropy of each task
     * @param gradient  dL/dλ_raw, [rows, tasks] row-major like {@link Coefficients#values()}
     */
    public record StepResult(int step, float loss, float[] taskLoss, float[] gradient) {
    }

    /** Called after every update with what the step computed and the coefficients after it. */
    @FunctionalInterface
    public interface Listener {
        void afterStep(StepResult result, Coefficients updated);
    }

    private final ClipVisionModel model;
    private final AdaMergingConfig config;
    private final NDManager manager;
    private final List<String> layerKeys;
    private final List<Shape> shapes;
    private final List<NDArray> pretrained;
    /** Per parameter tensor, the task vectors stacked and flattened: [tasks, numel]. */
    private final List<NDArray> taskVectors;
    private final List<Task> tasks;
    private final BatchSampler sampler;

    private AdaMerging(ClipVisionModel model, AdaMergingConfig config, NDManager manager, List<String> layerKeys,
                       List<Shape> shapes, List<NDArray> pretrained, List<NDArray> taskVectors, List<Task> tasks) {
        this.model = model;
        this.config = config;
        this.manager = manager;
        this.layerKeys = List.copyOf(layerKeys);
        this.shapes = List.copyOf(shapes);
        this.pretrained = List.copyOf(pretrained);
        this.taskVectors = List.copyOf(taskVectors);
        this.tasks = List.copyOf(tasks);
        this.sampler = new BatchSampler(config.seed(), config.batchSize());
    }

    /**
     * Prepares a run: task vectors T_k = θ_k − θ_pre for every parameter tensor of {@code model} (Ties-masked for
     * AdaMerging++), copied to a manager of the instance so the caller may release the fine-tuned weights.
     *
     * @param pretrained weights of the pretrained tower, in {@code model}'s layout
     * @param finetuned  weights of each fine-tuned tower, same layout, one per task
     */
    public static AdaMerging create(ClipVisionModel model, Map<String, NDArray> pretrained, List<Map<String, NDArray>> finetuned,
                                    List<Task> tasks, AdaMergingConfig config, NDManager parent) {
        if (finetuned.size() != tasks.size()) {
            throw new IllegalArgumentException(finetuned.size() + " fine-tuned models for " + tasks.size() + " tasks");
        }
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("AdaMerging needs at least one task");
        }
        model.validate(pretrained);
        for (int k = 0; k < tasks.size(); k++) {
            Task t = tasks.get(k);
            model.validate(finetuned.get(k));
            t.images().checkFits(model.config());
            if (t.head().inputDim() != model.config().embeddingDim()) {
                throw new CheckpointException("head of task '" + t.name() + "' takes embeddings of width " + t.head().inputDim()
                        + ", the tower gives " + model.config().embeddingDim());
            }
        }
        List<String> keys = new ArrayList<>(model.parameterShapes().keySet());
        NDManager own = parent.newSubManager();
        try {
            List<Shape> shapes = new ArrayList<>();
            List<NDArray> pre = new ArrayList<>();
            List<NDArray> stacked = new ArrayList<>();
            if (config.plus()) {
                List<Map<String, float[]>> raw = new ArrayList<>();
                for (Map<String, NDArray> ft : finetuned) {
                    Map<String, float[]> tv = new LinkedHashMap<>();
                    for (String key : keys) {
                        try (NDArray diff = ft.get(key).sub(pretrained.get(key))) {
                            tv.put(key, diff.toFloatArray());
                        }
                    }
                    raw.add(tv);
                }
                List<Map<String, float[]>> masked = TiesMaskAdapter.mask(raw, config.tiesDensity());
                raw.clear();
                for (String key : keys) {
                    Shape shape = pretrained.get(key).getShape();
                    float[] flat = new float[(int) (tasks.size() * shape.size())];
                    for (int k = 0; k < tasks.size(); k++) {
                        float[] v = masked.get(k).get(key);
                        System.arraycopy(v, 0, flat, (int) (k * shape.size()), v.length);
                    }
                    shapes.add(shape);
                    pre.add(own.create(pretrained.get(key).toFloatArray(), shape));
                    stacked.add(own.create(flat, new Shape(tasks.size(), shape.size())));
                }
            } else {
                for (String key : keys) {
                    Shape shape = pretrained.get(key).getShape();
                    NDArray p = pretrained.get(key).duplicate();
                    p.attach(own);
                    try (NDManager scratch = own.newSubManager()) {
                        NDList rows = new NDList();
                        for (Map<String, NDArray> ft : finetuned) {
                            NDArray d = ft.get(key).sub(p);
                            d.attach(scratch);
                            rows.add(d.reshape(1, shape.size()));
                        }
                        NDArray s = NDArrays.concat(rows, 0);
                        s.attach(own);
                        stacked.add(s);
                    }
                    shapes.add(shape);
                    pre.add(p);
                }
            }
            return new AdaMerging(model, config, own, keys, shapes, pre, stacked, tasks);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    public AdaMergingConfig config() {
        return config;
    }

    public ClipVisionModel model() {
        return model;
    }

    /** The parameter tensors coefficients refer to, in row order. */
    public List<String> layerKeys() {
        return layerKeys;
    }

    public int numTasks() {
        return tasks.size();
    }

    /** λ = the configured initial value everywhere. */
    public Coefficients initialCoefficients() {
        return Coefficients.constant(config.granularity(), layerKeys, tasks.size(), config.initialValue());
    }

    /** The loss and dL/dλ of the batches of step {@code step} at coefficients {@code lambda}; nothing is updated. */
    public StepResult evaluate(Coefficients lambda, int step) {
        check(lambda);
        int k = tasks.size();
        int rows = lambda.rows();
        int[][] batches = new int[k][];
        int total = 0;
        for (int t = 0; t < k; t++) {
            batches[t] = sampler.indices(t, step, tasks.get(t).images().count());
            total += batches[t].length;
        }
        try (NDManager scope = manager.newSubManager();
             GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
            NDArray raw = scope.create(lambda.values(), new Shape(rows, k));
            raw.setRequiresGradient(true);
            NDArray pixels = scope.create(concatenate(batches, total), new Shape(total, model.config().numChannels(),
                    model.config().imageSize(), model.config().imageSize()));
            Map<String, NDArray> merged = mergedWeights(raw, scope);
            NDArray embeddings = model.forward(merged, pixels).embeddings();
            NDArray loss = null;
            float[] taskLoss = new float[k];
            int from = 0;
            for (int t = 0; t < k; t++) {
                int to = from + batches[t].length;
                NDArray logits = tasks.get(t).head().logits(embeddings.get(new NDIndex(from + ":" + to)));
                NDArray entropy = Entropy.mean(logits);
                taskLoss[t] = entropy.getFloat();
                loss = loss == null ? entropy : loss.add(entropy);
                from = to;
            }
            collector.backward(loss);
            float[] grad = raw.getGradient().toFloatArray();
            return new StepResult(step, loss.getFloat(), taskLoss, grad);
        }
    }

    /**
     * Optimises from {@code start} (its Adam state and step count, if any, are resumed) until {@link
     * AdaMergingConfig#steps()} updates are done in all; returns the final coefficients with their optimiser state.
     */
    /** Which tasks' losses are not finite, with where their images came from (the inputs are checked when read). */
    private String nonFiniteTasks(StepResult r) {
        List<String> bad = new ArrayList<>();
        for (int k = 0; k < tasks.size() && r.taskLoss() != null && k < r.taskLoss().length; k++) {
            if (!Float.isFinite(r.taskLoss()[k])) {
                bad.add("task '" + tasks.get(k).name() + "' (images " + tasks.get(k).images().source() + ")");
            }
        }
        return bad.isEmpty() ? "" : ": " + String.join(", ", bad);
    }

    public Coefficients run(Coefficients start, Listener listener) {
        check(start);
        float[] values = start.values().clone();
        PyTorchAdam adam = start.adam() == null
                ? new PyTorchAdam(values.length, config.learningRate(), config.beta1(), config.beta2(), config.epsilon())
                : new PyTorchAdam(config.learningRate(), config.beta1(), config.beta2(), config.epsilon(),
                        start.adam().expAvg(), start.adam().expAvgSq(), start.step());
        Coefficients current = start;
        for (int step = start.step(); step < config.steps(); step++) {
            StepResult r = evaluate(current, step);
            if (!Float.isFinite(r.loss()) || !allFinite(r.gradient())) {
                // the entropy is bounded and the merge linear in λ: a non-finite value is a runtime fault, never data
                throw new IllegalStateException("AdaMerging " + (Float.isFinite(r.loss()) ? "gradient" : "loss")
                        + " is not finite at step " + step + nonFiniteTasks(r));
            }
            adam.update(values, r.gradient());
            current = new Coefficients(config.granularity(), layerKeys, tasks.size(), values.clone(), adam.step(),
                    new Coefficients.AdamState(adam.expAvg(), adam.expAvgSq()));
            if (listener != null) {
                listener.afterStep(r, current);
            }
        }
        return current;
    }

    /** The merged weights at {@code lambda}, in the model's layout, as new arrays on {@code into}. */
    public Map<String, NDArray> merge(Coefficients lambda, NDManager into) {
        check(lambda);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (NDManager scope = manager.newSubManager()) {
            NDArray raw = scope.create(lambda.values(), new Shape(lambda.rows(), tasks.size()));
            Map<String, NDArray> merged = mergedWeights(raw, scope);
            merged.forEach((name, a) -> {
                a.attach(into);
                out.put(name, a);
            });
        }
        return out;
    }

    /** θ^l = θ_pre^l + clamp(λ^l) · T^l for every tensor, differentiable in {@code raw}; arrays live on {@code scope}. */
    private Map<String, NDArray> mergedWeights(NDArray raw, NDManager scope) {
        NDArray coefficients = raw.clip(0f, 1f);
        int k = tasks.size();
        Map<String, NDArray> merged = new LinkedHashMap<>();
        for (int l = 0; l < layerKeys.size(); l++) {
            NDArray row = config.granularity() == Granularity.TASK ? coefficients : coefficients.get(new NDIndex(l + ":" + (l + 1)));
            NDArray delta = row.reshape(1, k).matMul(taskVectors.get(l)).reshape(shapes.get(l));
            NDArray w = pretrained.get(l).add(delta);
            w.attach(scope);
            merged.put(layerKeys.get(l), w);
        }
        return merged;
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private float[] concatenate(int[][] batches, int total) {
        int size = tasks.get(0).images().imageSize();
        float[] out = new float[total * size];
        int at = 0;
        for (int t = 0; t < batches.length; t++) {
            float[] px = tasks.get(t).images().pixels();
            for (int i : batches[t]) {
                System.arraycopy(px, i * size, out, at, size);
                at += size;
            }
        }
        return out;
    }

    private void check(Coefficients c) {
        if (c.granularity() != config.granularity() || c.tasks() != tasks.size() || !c.layerKeys().equals(layerKeys)) {
            throw new IllegalArgumentException("coefficients are " + c.granularity().fileName() + "-wise for " + c.tasks()
                    + " tasks" + (c.layerKeys().equals(layerKeys) ? "" : " and other tensors")
                    + "; this run is " + config.granularity().fileName() + "-wise for " + tasks.size()
                    + " tasks (align files with Coefficients.alignedTo)");
        }
        for (float v : c.values()) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("coefficients hold a non-finite value");
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
