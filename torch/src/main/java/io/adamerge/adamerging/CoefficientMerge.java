package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.adamerge.model.Encoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge a test-time method learns the coefficients of, differentiable in them:
 * θ^l = θ_pre^l + Σ_k clamp(λ_k^l, 0, 1)·T_k^l, with one λ_k per task ({@link Granularity#TASK}) or per task and
 * parameter tensor ({@link Granularity#LAYER}), and T_k the task vectors after a {@link TaskVectorTransform}.
 *
 * <p>It holds the pretrained weights and the (stacked) task vectors on its own manager, so the caller may release the
 * fine-tuned weights; close it.
 */
public final class CoefficientMerge implements LearnableMerge {
    private final Granularity granularity;
    private final NDManager manager;
    private final List<String> layerKeys;
    private final List<Shape> shapes;
    private final List<NDArray> pretrained;
    /** Per parameter tensor, the task vectors stacked and flattened: [tasks, numel]. */
    private final List<NDArray> taskVectors;
    private final int tasks;

    private CoefficientMerge(Granularity granularity, NDManager manager, List<String> layerKeys, List<Shape> shapes,
                             List<NDArray> pretrained, List<NDArray> taskVectors, int tasks) {
        this.granularity = granularity;
        this.manager = manager;
        this.layerKeys = List.copyOf(layerKeys);
        this.shapes = List.copyOf(shapes);
        this.pretrained = List.copyOf(pretrained);
        this.taskVectors = List.copyOf(taskVectors);
        this.tasks = tasks;
    }

    /**
     * Task vectors T_k = θ_k − θ_pre of every parameter tensor of {@code encoder}, transformed, on a new sub-manager of
     * {@code parent}.
     *
     * @param pretrained weights of the pretrained model, in {@code encoder}'s layout
     * @param finetuned  weights of each fine-tuned model, same layout, one per task
     */
    public static CoefficientMerge create(Encoder encoder, Map<String, NDArray> pretrained, List<Map<String, NDArray>> finetuned,
                                          Granularity granularity, TaskVectorTransform transform, NDManager parent) {
        if (finetuned.isEmpty()) {
            throw new IllegalArgumentException("a coefficient merge needs at least one fine-tuned model");
        }
        encoder.validate(pretrained);
        finetuned.forEach(encoder::validate);
        List<String> keys = new ArrayList<>(encoder.parameterShapes().keySet());
        NDManager own = parent.newSubManager();
        try {
            List<Shape> shapes = new ArrayList<>();
            List<NDArray> pre = new ArrayList<>();
            List<NDArray> stacked = new ArrayList<>();
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
            List<NDArray> transformed = transform.apply(keys, stacked, own);
            for (int l = 0; l < stacked.size(); l++) {
                if (transformed.get(l) != stacked.get(l)) {
                    stacked.get(l).close();
                }
            }
            return new CoefficientMerge(granularity, own, keys, shapes, pre, transformed, finetuned.size());
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    public Granularity granularity() {
        return granularity;
    }

    /** The parameter tensors coefficients refer to, in row order. */
    @Override
    public List<String> layerKeys() {
        return layerKeys;
    }

    @Override
    public int numTasks() {
        return tasks;
    }

    /** λ = {@code value} everywhere, no optimiser state. */
    public Coefficients constant(float value) {
        return Coefficients.constant(granularity, layerKeys, tasks, value);
    }

    /** Coefficients of this merge with these values and optimiser state. */
    @Override
    public Coefficients coefficients(float[] values, int step, Coefficients.AdamState state) {
        return new Coefficients(granularity, layerKeys, tasks, values, step, state);
    }

    /** A sub-manager for one step's arrays: close it after the step. */
    @Override
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /**
     * θ^l = θ_pre^l + clamp(λ^l) · T^l for every tensor, differentiable in {@code raw} [rows, tasks]; arrays live on
     * {@code scope}.
     */
    @Override
    public Map<String, NDArray> weights(NDArray raw, NDManager scope) {
        NDArray coefficients = raw.clip(0f, 1f);
        Map<String, NDArray> merged = new LinkedHashMap<>();
        for (int l = 0; l < layerKeys.size(); l++) {
            NDArray row = granularity == Granularity.TASK ? coefficients : coefficients.get(new NDIndex(l + ":" + (l + 1)));
            NDArray delta = row.reshape(1, tasks).matMul(taskVectors.get(l)).reshape(shapes.get(l));
            NDArray w = pretrained.get(l).add(delta);
            w.attach(scope);
            merged.put(layerKeys.get(l), w);
        }
        return merged;
    }

    /** The merged weights at {@code lambda}, in the encoder's layout, as new arrays on {@code into}. */
    @Override
    public Map<String, NDArray> merge(Coefficients lambda, NDManager into) {
        check(lambda);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (NDManager scope = manager.newSubManager()) {
            NDArray raw = scope.create(lambda.values(), new Shape(lambda.rows(), tasks));
            weights(raw, scope).forEach((name, a) -> {
                a.attach(into);
                out.put(name, a);
            });
        }
        return out;
    }

    /** Fails unless {@code c} fits this merge (granularity, tasks, tensors) and is finite. */
    @Override
    public void check(Coefficients c) {
        if (c.granularity() != granularity || c.tasks() != tasks || !c.layerKeys().equals(layerKeys)) {
            throw new IllegalArgumentException("coefficients are " + c.granularity().fileName() + "-wise for " + c.tasks()
                    + " tasks" + (c.layerKeys().equals(layerKeys) ? "" : " and other tensors")
                    + "; this run is " + granularity.fileName() + "-wise for " + tasks
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
