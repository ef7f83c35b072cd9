package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * AdaRank's whole chain on the reference fixture (a CLIP vision model, three tasks): the entropy of the heads' predictions
 * through the encoder and the rank-masked merge. dL/dz from autograd matches central differences of the trainer's loss
 * (float32, as the encoder runs) on the mask logits with the largest gradients, soft mask, τ = 1.
 */
class AdaRankEntropyGradientTest {
    @Test
    void maskGradientsOfTheEntropyMatchCentralDifferences() {
        try (NDManager manager = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = ClipVisionModel.load(AdaReference.PRE, AdaReference.CONFIG, manager);
            List<Map<String, NDArray>> finetuned = new ArrayList<>();
            List<TestTimeTask> tasks = new ArrayList<>();
            for (int k = 0; k < AdaReference.TASKS; k++) {
                finetuned.add(ClipVisionModel.load(AdaReference.finetuned(k), AdaReference.CONFIG, manager).weights());
                tasks.add(TestTimeTask.of("task" + k, ClassificationHead.load(AdaReference.head(k), manager),
                        TaskImages.readSafetensors(AdaReference.images(k))));
            }
            for (RankMaskMerge.Base base : RankMaskMerge.Base.values()) {
                try (RankMaskMerge merge = RankMaskMerge.create(pre.weights(), finetuned, base, RankMaskMerge.MaskFunction.SOFT, 1f,
                        manager)) {
                    CoefficientTrainer trainer = new CoefficientTrainer(pre.model(), merge, tasks, EntropyObjective.INSTANCE,
                            PyTorchAdam.Settings.withLearningRate(1e-3), new BatchSampler(3, 4), 1, List.of());
                    Coefficients start = merge.initial(0.3f, 0f, 1.0);
                    float[] v = start.values().clone();
                    Random r = new Random(7);
                    int firstMask = merge.tensorKeys().size() * merge.numTasks();
                    for (int i = firstMask; i < v.length; i++) {
                        v[i] = (float) r.nextGaussian();
                    }
                    Coefficients at = merge.coefficients(v, 0, null);
                    StepResult sr = trainer.evaluate(at, 0);
                    float[] grad = sr.gradient();
                    for (int i = 0; i < grad.length; i++) {
                        assertThat(Float.isFinite(grad[i])).as("%s gradient of %s task %d is %s (loss %s)", base,
                                merge.layerKeys().get(i / merge.numTasks()), i % merge.numTasks(), grad[i], sr.loss()).isTrue();
                    }
                    int[] largest = IntStream.range(firstMask, v.length).boxed()
                            .sorted(Comparator.comparingDouble(i -> -Math.abs(grad[i]))).limit(6).mapToInt(i -> i).toArray();
                    double worst = 0;
                    for (int i : largest) {
                        float h = 5e-2f;
                        float[] up = v.clone();
                        float[] down = v.clone();
                        up[i] += h;
                        down[i] -= h;
                        double fd = (trainer.evaluate(merge.coefficients(up, 0, null), 0).loss()
                                - trainer.evaluate(merge.coefficients(down, 0, null), 0).loss()) / (2.0 * h);
                        double rel = Math.abs(grad[i] - fd) / Math.abs(grad[i]);
                        worst = Math.max(worst, rel);
                        // float32 losses of O(1): rounding ≈ 1e-7/h ≈ 2e-6 absolute, plus O(h²) curvature
                        assertThat(rel).as("%s %s task %d: autograd %s, central %s", base,
                                merge.layerKeys().get(i / merge.numTasks()), i % merge.numTasks(), grad[i], fd).isLessThan(2e-2);
                    }
                    System.out.printf(java.util.Locale.ROOT, "AdaRank %s entropy gradient: worst relative deviation %.3g on the 6 "
                            + "largest mask gradients (|g| ≥ %.3g)%n", base, worst, Math.abs(grad[largest[5]]));
                }
            }
        }
    }
}
