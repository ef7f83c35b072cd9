package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.train.AdamW;
import io.adamerge.train.Losses;
import io.adamerge.train.PixelNormalization;
import io.adamerge.train.TrainingLoop;
import io.adamerge.train.WeightMaps;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Full fine-tuning of every encoder weight, starting from the pretrained weights, through frozen heads: one task
 * ({@link #individual}) or all tasks at once ({@link #multitask}: each step one batch per task, in one forward pass,
 * the sum of the tasks' mean cross-entropies). Batches are drawn with replacement.
 */
public final class FineTuner {
    private final ClipVisionModel model;
    private final PixelNormalization pixels;

    public FineTuner(ClipVisionModel model, PixelNormalization pixels) {
        this.model = model;
        this.pixels = pixels;
    }

    /** Trained weights (on {@code manager}, not requiring gradients) and per-step losses. */
    public record Result(Map<String, NDArray> weights, float[] losses) {
    }

    public Result individual(Map<String, NDArray> pretrained, ClassificationHead head, ImageDataset train,
                             ZooRecipe.Training recipe, long seed, NDManager manager, String label) {
        return multitask(pretrained, List.of(head), List.of(train), recipe, seed, manager, label);
    }

    public Result multitask(Map<String, NDArray> pretrained, List<ClassificationHead> heads, List<ImageDataset> trains,
                            ZooRecipe.Training recipe, long seed, NDManager manager, String label) {
        if (heads.size() != trains.size() || heads.isEmpty()) {
            throw new IllegalArgumentException(heads.size() + " heads for " + trains.size() + " tasks");
        }
        Map<String, NDArray> params = WeightMaps.copy(pretrained, manager);
        SplittableRandom rng = new SplittableRandom(seed);
        int tasks = trains.size();
        int batchSize = recipe.batch();
        ImageSpec spec = trains.get(0).spec();
        int n = spec.pixels();
        TrainingLoop.Objective objective = (step, batch) -> {
            float[] x = new float[tasks * batchSize * n];
            int[][] labels = new int[tasks][batchSize];
            for (int t = 0; t < tasks; t++) {
                ImageDataset d = trains.get(t);
                int limit = recipe.trainImages() > 0 ? Math.min(recipe.trainImages(), d.size()) : d.size();
                for (int i = 0; i < batchSize; i++) {
                    int j = rng.nextInt(limit);
                    System.arraycopy(d.pixels(), j * n, x, (t * batchSize + i) * n, n);
                    labels[t][i] = d.labels()[j];
                }
            }
            pixels.applyInPlace(x);
            NDArray emb = model.forward(params, PixelNormalization.create(x, tasks * batchSize, spec, batch)).embeddings();
            return Losses.summedOverTasks(emb, heads, labels, batch);
        };
        float[] losses;
        try (AdamW adam = AdamW.create(manager, recipe.optimizer().weightDecay())) {
            losses = TrainingLoop.run(label, params, recipe.steps(), adam, recipe.optimizer().schedule(recipe.steps()), objective, manager);
        }
        params.values().forEach(w -> w.setRequiresGradient(false));
        return new Result(params, losses);
    }
}
