package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.model.ClassificationHead;
import io.adamerge.train.AdamW;
import io.adamerge.train.LearningRateSchedule;
import io.adamerge.train.Losses;
import io.adamerge.train.TrainingLoop;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A linear probe on L2-normalised embeddings, fitted full-batch: logits = scale · normalize(f) · Wᵀ + b, minimising
 * mean cross-entropy + l2 · ‖W‖² with Adam (no weight decay) on a one-cycle schedule. The head is returned with the
 * scale folded into its weight, marked {@code normalize}, so {@link ClassificationHead#logits} computes the same logits.
 */
public final class ProbeFitter {
    private ProbeFitter() {
    }

    /**
     * @param weight [classes, dim], scale folded in
     * @param bias   [classes]
     */
    public record Probe(float[] weight, float[] bias, int classes, int dim, float finalLoss) {
        public ClassificationHead toHead(NDManager manager) {
            return new ClassificationHead(manager.create(weight, new Shape(classes, dim)), manager.create(bias, new Shape(classes)), true);
        }

        public FloatTensor weightTensor() {
            return FloatTensor.of(weight, classes, dim);
        }

        public FloatTensor biasTensor() {
            return FloatTensor.of(bias, classes);
        }
    }

    /**
     * @param embeddings row-major [n, dim] embeddings (not yet normalised)
     */
    public static Probe fit(float[] embeddings, int dim, int[] labels, int classes, ZooRecipe.Probe recipe, NDManager parent) {
        int n = labels.length;
        if ((long) n * dim != embeddings.length) {
            throw new IllegalArgumentException(n + " labels and width " + dim + " need " + (long) n * dim + " embedding values, got "
                    + embeddings.length);
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray f = m.create(embeddings, new Shape(n, dim));
            NDArray unit = f.div(f.norm(new int[] {-1}, true).maximum(1e-12f)).mul((float) recipe.scale());
            NDArray y = m.create(labels);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("weight", m.zeros(new Shape(classes, dim)));
            params.put("bias", m.zeros(new Shape(classes)));
            TrainingLoop.Objective objective = (step, batch) -> {
                NDArray logits = Linear.linear(unit, params.get("weight"), params.get("bias")).singletonOrThrow();
                NDArray loss = Losses.crossEntropy(logits, y);
                // the constant is a tensor on the batch manager: backward reads it (see HiddenAct#apply)
                return recipe.l2() == 0 ? loss : loss.add(params.get("weight").square().sum().mul(batch.create((float) recipe.l2())));
            };
            LearningRateSchedule schedule = LearningRateSchedule.OneCycle.pytorchDefaults(recipe.lr(), recipe.iterations(), 0.1);
            float[] losses;
            try (AdamW adam = AdamW.create(m, 0)) {
                losses = TrainingLoop.run(null, params, recipe.iterations(), adam, schedule, objective, m);
            }
            float[] w = params.get("weight").mul((float) recipe.scale()).toFloatArray();
            float[] b = params.get("bias").toFloatArray();
            return new Probe(w, b, classes, dim, losses[losses.length - 1]);
        }
    }
}
