package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightLayout;
import io.adamerge.train.AdamW;
import io.adamerge.train.Augment;
import io.adamerge.train.LearningRateSchedule;
import io.adamerge.train.Losses;
import io.adamerge.train.PixelNormalization;
import io.adamerge.train.TrainingLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Pretrains the backbone without the benchmark's labels: each step sums the cross-entropy of classifying a batch of
 * the supervised task (labels outside the eight, randomly shifted) and of predicting the rotation (0°, 90°, 180°,
 * 270°) of a batch drawn from the benchmark tasks' train images. Both batches go through the tower in one forward
 * pass; two linear heads on the pooled embedding are trained along and dropped afterwards.
 */
public final class Pretrainer {
    static final String SUPERVISED_HEAD = "pretraining.supervised_head.";
    static final String ROTATION_HEAD = "pretraining.rotation_head.";

    private Pretrainer() {
    }

    /** The trained tower weights (on {@code manager}) and the loss of each step. */
    public record Result(Map<String, NDArray> weights, float[] losses, List<ModelCard.DataUse> data) {
    }

    public static Result train(ZooRecipe recipe, long seed, ZooData data, NDManager manager, String label) {
        ZooRecipe.Pretraining p = recipe.pretraining();
        VitConfig config = recipe.architecture().toConfig();
        ClipVisionModel model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
        PixelNormalization pixels = recipe.pixels().normalization();
        ImageSpec spec = data.spec();
        int n = spec.pixels();
        boolean supervised = p.supervisedBatch() > 0 && p.supervisedTask() != null && !p.supervisedTask().isBlank();
        boolean rotation = p.rotationBatch() > 0;
        if (!supervised && !rotation) {
            throw new IllegalArgumentException("pretraining: both losses are off (supervisedBatch and rotationBatch are 0)");
        }
        if (rotation && spec.height() != spec.width()) {
            throw new IllegalArgumentException("rotation prediction needs square images, got " + spec);
        }
        if (supervised && recipe.tasks().contains(p.supervisedTask())) {
            throw new IllegalArgumentException("pretraining: the supervised task '" + p.supervisedTask()
                    + "' is one of the benchmark tasks; its labels must stay out of pretraining");
        }
        List<ModelCard.DataUse> uses = new ArrayList<>();
        ImageDataset sup = null;
        if (supervised) {
            sup = ZooData.firstImages(data.train(p.supervisedTask()), p.supervisedImages());
            uses.add(new ModelCard.DataUse(p.supervisedTask(), data.dataSeed(), spec.toString(), sup.size(), 0, 0));
        }
        List<ImageDataset> rot = new ArrayList<>();
        if (rotation) {
            for (String task : recipe.tasks()) {
                ImageDataset d = ZooData.firstImages(data.train(task), p.rotationImagesPerTask());
                rot.add(d);
                uses.add(new ModelCard.DataUse(task, data.dataSeed(), spec.toString(), d.size(), 0, 0));
            }
        }
        int[] rotOffsets = new int[rot.size() + 1];
        for (int i = 0; i < rot.size(); i++) {
            rotOffsets[i + 1] = rotOffsets[i] + rot.get(i).size();
        }

        Map<String, NDArray> weights = VitInit.random(config, manager, (int) Seeds.derive(seed, "pretraining", "init"));
        Map<String, NDArray> params = new LinkedHashMap<>(weights);
        Random init = new Random(Seeds.derive(seed, "pretraining", "heads"));
        int dim = config.embeddingDim();
        int supClasses = sup == null ? 0 : sup.numClasses();
        if (supervised) {
            params.put(SUPERVISED_HEAD + "weight", gaussian(manager, init, supClasses, dim));
            params.put(SUPERVISED_HEAD + "bias", manager.zeros(new Shape(supClasses)));
        }
        if (rotation) {
            params.put(ROTATION_HEAD + "weight", gaussian(manager, init, 4, dim));
            params.put(ROTATION_HEAD + "bias", manager.zeros(new Shape(4)));
        }

        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, "pretraining", "batches"));
        int sb = supervised ? p.supervisedBatch() : 0;
        int rb = rotation ? p.rotationBatch() : 0;
        ImageDataset supData = sup;
        TrainingLoop.Objective objective = (step, batch) -> {
            float[] x = new float[(sb + rb) * n];
            int[] supLabels = new int[sb];
            int[] rotLabels = new int[rb];
            for (int i = 0; i < sb; i++) {
                int j = rng.nextInt(supData.size());
                int dx = rng.nextInt(2 * p.maxShift() + 1) - p.maxShift();
                int dy = rng.nextInt(2 * p.maxShift() + 1) - p.maxShift();
                Augment.shift(supData.pixels(), j * n, spec.channels(), spec.height(), spec.width(), dx, dy, 0f, x, i * n);
                supLabels[i] = supData.labels()[j];
            }
            for (int i = 0; i < rb; i++) {
                int flat = rng.nextInt(rotOffsets[rotOffsets.length - 1]);
                int t = 0;
                while (flat >= rotOffsets[t + 1]) {
                    t++;
                }
                int quarter = rng.nextInt(4);
                float[] img = Augment.rotate(rot.get(t).pixels(), (flat - rotOffsets[t]) * n, spec.channels(), spec.height(), quarter);
                System.arraycopy(img, 0, x, (sb + i) * n, n);
                rotLabels[i] = quarter;
            }
            pixels.applyInPlace(x);
            NDArray emb = model.forward(params, PixelNormalization.create(x, sb + rb, spec, batch)).embeddings();
            NDArray loss = null;
            if (sb > 0) {
                NDArray logits = Linear.linear(emb.get("0:" + sb), params.get(SUPERVISED_HEAD + "weight"),
                        params.get(SUPERVISED_HEAD + "bias")).singletonOrThrow();
                loss = Losses.crossEntropy(logits, batch.create(supLabels));
            }
            if (rb > 0) {
                NDArray logits = Linear.linear(emb.get(sb + ":"), params.get(ROTATION_HEAD + "weight"),
                        params.get(ROTATION_HEAD + "bias")).singletonOrThrow();
                NDArray r = Losses.crossEntropy(logits, batch.create(rotLabels));
                loss = loss == null ? r : loss.add(r);
            }
            return loss;
        };
        LearningRateSchedule schedule = p.optimizer().schedule(p.steps());
        float[] losses;
        try (AdamW adam = AdamW.create(manager, p.optimizer().weightDecay())) {
            losses = TrainingLoop.run(label, params, p.steps(), adam, schedule, objective, manager);
        }
        params.keySet().removeAll(weights.keySet());
        params.values().forEach(NDArray::close);
        weights.values().forEach(w -> w.setRequiresGradient(false));
        return new Result(weights, losses, uses);
    }

    private static NDArray gaussian(NDManager manager, Random rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * 0.02);
        }
        return manager.create(v, new Shape(rows, cols));
    }
}
