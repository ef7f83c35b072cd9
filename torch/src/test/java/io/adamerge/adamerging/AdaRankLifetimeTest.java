package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AdaRank's entropy gradient on the reference fixture (CLIP vision model, three tasks) does not depend on what the
 * garbage collector does between forward and backward, and stays finite at extreme mask logits.
 *
 * <p>DJL's PyTorch engine makes the scalar of {@code z.div(10f)} as a tensor over a Java direct buffer and closes it
 * right after the op; autograd keeps the tensor for backward (dz = g / τ) but not the buffer. Here that memory is
 * collected and overwritten with NaN between the forward and the backward pass: the gradients must not change.
 */
class AdaRankLifetimeTest {
    private static NDManager manager;
    private static ClipVisionModel.Loaded pre;
    private static List<Map<String, NDArray>> finetuned;
    private static List<TestTimeTask> tasks;

    @BeforeAll
    static void load() {
        manager = TorchRuntime.newManager();
        pre = ClipVisionModel.load(AdaReference.PRE, AdaReference.CONFIG, manager);
        finetuned = new ArrayList<>();
        tasks = new ArrayList<>();
        for (int k = 0; k < AdaReference.TASKS; k++) {
            finetuned.add(ClipVisionModel.load(AdaReference.finetuned(k), AdaReference.CONFIG, manager).weights());
            tasks.add(TestTimeTask.of("task" + k, ClassificationHead.load(AdaReference.head(k), manager),
                    TaskImages.readSafetensors(AdaReference.images(k))));
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(RankMaskMerge.MaskFunction.class)
    void gradientsSurviveAGarbageCollection(RankMaskMerge.MaskFunction mask) throws InterruptedException {
        for (RankMaskMerge.Base base : RankMaskMerge.Base.values()) {
            try (RankMaskMerge merge = RankMaskMerge.create(pre.weights(), finetuned, base, mask, 10f, manager)) {
                float[] v = merge.initial(0.3f, 0.1f, 1.0).values().clone();
                Random r = new Random(11);
                int firstMask = merge.tensorKeys().size() * merge.numTasks();
                for (int i = firstMask; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 2);
                }
                Coefficients at = merge.coefficients(v, 0, null);
                float[] clean = gradient(merge, at, false);
                float[] collected = gradient(merge, at, true);
                for (int i = 0; i < collected.length; i++) {
                    assertThat(Float.isFinite(collected[i])).as("%s %s: gradient of %s task %d is %s after a collection", base, mask,
                            merge.layerKeys().get(i / merge.numTasks()), i % merge.numTasks(), collected[i]).isTrue();
                }
                assertThat(collected).as("%s %s", base, mask).containsExactly(clean);
                // the mask logits do get a gradient (the check above is not vacuous)
                double maskNorm = 0;
                for (int i = firstMask; i < clean.length; i++) {
                    maskNorm += Math.abs(clean[i]);
                }
                assertThat(maskNorm).as("%s %s: |dL/dz|", base, mask).isGreaterThan(0);
            }
        }
    }

    @Test
    void extremeMaskLogitsKeepLossAndGradientsFinite() {
        float[] extremes = {1e4f, -1e4f, 3e38f, -3e38f};
        for (RankMaskMerge.MaskFunction mask : RankMaskMerge.MaskFunction.values()) {
            for (RankMaskMerge.Base base : RankMaskMerge.Base.values()) {
                for (float temperature : new float[] {10f, 1e-3f}) {
                    try (RankMaskMerge merge = RankMaskMerge.create(pre.weights(), finetuned, base, mask, temperature, manager)) {
                        CoefficientTrainer trainer = new CoefficientTrainer(pre.model(), merge, tasks, EntropyObjective.INSTANCE,
                                PyTorchAdam.Settings.withLearningRate(1e-3), new BatchSampler(3, 4), 1, List.of());
                        float[] v = merge.initial(0.3f, 0.1f, 1.0).values().clone();
                        Random r = new Random(5);
                        int firstMask = merge.tensorKeys().size() * merge.numTasks();
                        for (int i = firstMask; i < v.length; i++) {
                            v[i] = extremes[r.nextInt(extremes.length)];
                        }
                        StepResult sr = trainer.evaluate(merge.coefficients(v, 0, null), 0);
                        assertThat(Float.isFinite(sr.loss())).as("%s %s τ %s: loss %s", base, mask, temperature, sr.loss()).isTrue();
                        float[] g = sr.gradient();
                        for (int i = 0; i < g.length; i++) {
                            assertThat(Float.isFinite(g[i])).as("%s %s τ %s: gradient of %s task %d is %s", base, mask, temperature,
                                    merge.layerKeys().get(i / merge.numTasks()), i % merge.numTasks(), g[i]).isTrue();
                        }
                        // a logit of ±1e4 or beyond saturates the sigmoid: mask exactly 0 or 1, dL/dz exactly 0
                        for (int i = firstMask; i < g.length; i++) {
                            assertThat(g[i]).as("%s %s τ %s: dL/dz at logit %s", base, mask, temperature, v[i]).isZero();
                        }
                    }
                }
            }
        }
    }

    /** dL/d(values) of one step's batches, optionally collecting and overwriting freed memory before backward. */
    private static float[] gradient(RankMaskMerge merge, Coefficients at, boolean collectBetween) throws InterruptedException {
        BatchSampler sampler = new BatchSampler(3, 4);
        try (NDManager scope = merge.newScope(); GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
            List<Batch> batches = new ArrayList<>();
            for (int t = 0; t < tasks.size(); t++) {
                TestTimeTask task = tasks.get(t);
                batches.add(task.examples().select(sampler.indices(t, 0, task.examples().count()), scope));
            }
            NDArray raw = scope.create(at.values(), new Shape(at.rows(), at.tasks()));
            raw.setRequiresGradient(true);
            NDArray embeddings = pre.model().embed(merge.weights(raw, scope), pre.model().concat(batches, scope));
            NDArray loss = null;
            int from = 0;
            for (int t = 0; t < tasks.size(); t++) {
                int to = from + batches.get(t).size();
                NDArray l = EntropyObjective.INSTANCE.taskLoss(t, embeddings.get(new NDIndex(from + ":" + to)), tasks.get(t).head());
                loss = loss == null ? l : loss.add(l);
                from = to;
            }
            if (collectBetween) {
                overwriteFreedMemory();
            }
            collector.backward(loss);
            return raw.getGradient().toFloatArray();
        }
    }

    /** Lets the collector free unreachable direct buffers, then allocates many small ones full of NaN. */
    private static void overwriteFreedMemory() throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, Float.NaN);
                keep.add(b);
            }
        }
        assertThat(keep).isNotEmpty();
    }
}
