package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of AdaMerging on the reference fixture: merges, gradients, seeding, resuming, clamping. */
class AdaMergingTest {
    private static NDManager manager;
    private static ClipVisionModel.Loaded pre;
    private static List<Map<String, NDArray>> finetuned;
    private static List<AdaMerging.Task> tasks;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        manager = TorchRuntime.newManager();
        pre = ClipVisionModel.load(AdaReference.PRE, AdaReference.CONFIG, manager);
        finetuned = new ArrayList<>();
        tasks = new ArrayList<>();
        for (int k = 0; k < AdaReference.TASKS; k++) {
            finetuned.add(ClipVisionModel.load(AdaReference.finetuned(k), AdaReference.CONFIG, manager).weights());
            tasks.add(new AdaMerging.Task("task" + k, ClassificationHead.load(AdaReference.head(k), manager),
                    TaskImages.readSafetensors(AdaReference.images(k))));
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static AdaMerging create(AdaMergingConfig config) {
        return AdaMerging.create(pre.model(), pre.weights(), finetuned, tasks, config, manager);
    }

    private static void assertMergeEquals(Map<String, NDArray> merged, String method) {
        try (Checkpoint expected = Checkpoint.open(AdaReference.EXPECTED)) {
            for (Map.Entry<String, NDArray> e : merged.entrySet()) {
                float[] want = expected.readFloats(method + "/" + e.getKey());
                float[] got = e.getValue().toFloatArray();
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                }
                assertThat(worst).as("%s %s", method, e.getKey()).isLessThanOrEqualTo(1e-6 * Math.max(1, scale));
            }
        }
    }

    @Test
    void taskWiseMergeAtPointThreeIsTaskArithmeticAndPlusIsTies() {
        for (boolean plus : new boolean[] {false, true}) {
            try (AdaMerging ada = create(AdaMergingConfig.defaults(Granularity.TASK, plus));
                 NDManager m = manager.newSubManager()) {
                Map<String, NDArray> merged = ada.merge(ada.initialCoefficients(), m);
                assertThat(merged.keySet()).containsExactlyElementsOf(AdaReference.layerKeys());
                assertMergeEquals(merged, plus ? "ties_20_sum_0.3" : "task_arithmetic_0.3");
            }
        }
    }

    @Test
    void taskWiseGradientIsTheSumOfLayerWiseGradients() {
        float[] c = {0.2f, 0.45f, 0.7f};
        try (AdaMerging tw = create(AdaMergingConfig.defaults(Granularity.TASK, false).withBatchSize(8));
             AdaMerging lw = create(AdaMergingConfig.defaults(Granularity.LAYER, false).withBatchSize(8))) {
            StepResult t = tw.evaluate(new Coefficients(Granularity.TASK, tw.layerKeys(), 3, c, 0, null), 0);
            int rows = lw.layerKeys().size();
            float[] all = new float[rows * 3];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, 0, all, r * 3, 3);
            }
            StepResult l = lw.evaluate(new Coefficients(Granularity.LAYER, lw.layerKeys(), 3, all, 0, null), 0);
            assertThat(t.loss()).isCloseTo(l.loss(), org.assertj.core.data.Offset.offset(1e-6f));
            for (int k = 0; k < 3; k++) {
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    sum += l.gradient()[r * 3 + k];
                }
                assertThat((double) t.gradient()[k]).as("task %d", k).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void coefficientsOutsideTheUnitIntervalAreClampedAndGetNoGradient() {
        try (AdaMerging ada = create(AdaMergingConfig.defaults(Granularity.TASK, false).withBatchSize(8));
             NDManager m = manager.newSubManager()) {
            Coefficients outside = new Coefficients(Granularity.TASK, ada.layerKeys(), 3, new float[] {-0.5f, 1.7f, 0.3f}, 0, null);
            Coefficients inside = new Coefficients(Granularity.TASK, ada.layerKeys(), 3, new float[] {0f, 1f, 0.3f}, 0, null);
            StepResult r = ada.evaluate(outside, 0);
            assertThat(r.gradient()[0]).isZero();
            assertThat(r.gradient()[1]).isZero();
            assertThat(r.gradient()[2]).isNotZero();
            assertThat(r.loss()).isEqualTo(ada.evaluate(inside, 0).loss());
            Map<String, NDArray> a = ada.merge(outside, m);
            Map<String, NDArray> b = ada.merge(inside, m);
            a.forEach((k, v) -> assertThat(v.toFloatArray()).as(k).containsExactly(b.get(k).toFloatArray()));
        }
    }

    @Test
    void sameSeedGivesBitIdenticalCoefficientsAndAnotherSeedDoesNot() {
        AdaMergingConfig config = AdaMergingConfig.defaults(Granularity.LAYER, true).withBatchSize(3).withSteps(4).withSeed(7);
        float[] first;
        float[] again;
        float[] other;
        try (AdaMerging ada = create(config)) {
            first = ada.run(ada.initialCoefficients(), null).values();
            again = ada.run(ada.initialCoefficients(), null).values();
        }
        try (AdaMerging ada = create(config.withSeed(8))) {
            other = ada.run(ada.initialCoefficients(), null).values();
        }
        assertThat(Arrays.equals(first, again)).isTrue();
        assertThat(Arrays.equals(first, other)).isFalse();
    }

    @Test
    void resumingFromASavedFileContinuesExactlyAsAnUninterruptedRun() {
        AdaMergingConfig five = AdaMergingConfig.defaults(Granularity.LAYER, false).withBatchSize(5).withSteps(5).withSeed(3);
        Path saved = tmp.resolve("after2.safetensors");
        float[] uninterrupted;
        try (AdaMerging ada = create(five)) {
            uninterrupted = ada.run(ada.initialCoefficients(), null).values();
        }
        try (AdaMerging ada = create(five.withSteps(2))) {
            ada.run(ada.initialCoefficients(), null).save(saved);
        }
        List<Integer> resumedSteps = new ArrayList<>();
        Coefficients resumed;
        try (AdaMerging ada = create(five)) {
            Coefficients loaded = Coefficients.load(saved).alignedTo(ada.layerKeys(), Granularity.LAYER, 3, saved.toString());
            assertThat(loaded.step()).isEqualTo(2);
            resumed = ada.run(loaded, (r, c) -> resumedSteps.add(r.step()));
        }
        assertThat(resumedSteps).containsExactly(2, 3, 4);
        assertThat(resumed.step()).isEqualTo(5);
        assertThat(Arrays.equals(resumed.values(), uninterrupted)).isTrue();
    }

    @Test
    void referenceInitFileLoadsAndAlignsByName() {
        Coefficients init = Coefficients.load(AdaReference.LAMBDA_INIT);
        assertThat(init.granularity()).isEqualTo(Granularity.LAYER);
        assertThat(init.step()).isZero();
        assertThat(init.adam()).isNull();
        assertThat(init.values()).containsExactly(AdaReference.read(AdaReference.STEP, "lambda_init"));
        List<String> reversed = new ArrayList<>(init.layerKeys());
        Collections.reverse(reversed);
        Coefficients aligned = init.alignedTo(reversed, Granularity.LAYER, 3, "x");
        int last = reversed.size() - 1;
        assertThat(Arrays.copyOfRange(aligned.values(), 0, 3)).containsExactly(Arrays.copyOfRange(init.values(), last * 3, last * 3 + 3));
        assertThatThrownBy(() -> init.alignedTo(init.layerKeys(), Granularity.TASK, 3, "f.safetensors"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("layer-wise");
        assertThatThrownBy(() -> init.alignedTo(init.layerKeys(), Granularity.LAYER, 4, "f.safetensors"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("3 tasks");
        assertThatThrownBy(() -> init.alignedTo(List.of("a", "b"), Granularity.LAYER, 3, "f.safetensors"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("'a'");
    }

    @Test
    void savedFilesRoundTripWithOptimiserState() {
        Coefficients c = new Coefficients(Granularity.TASK, List.of("a", "b"), 2, new float[] {0.1f, 0.9f}, 4,
                new Coefficients.AdamState(new float[] {1e-3f, -2e-3f}, new float[] {1e-6f, 4e-6f}));
        Path file = tmp.resolve("c.safetensors");
        c.save(file);
        Coefficients back = Coefficients.load(file);
        assertThat(back.granularity()).isEqualTo(Granularity.TASK);
        assertThat(back.layerKeys()).containsExactly("a", "b");
        assertThat(back.values()).containsExactly(0.1f, 0.9f);
        assertThat(back.step()).isEqualTo(4);
        assertThat(back.adam().expAvg()).containsExactly(1e-3f, -2e-3f);
        assertThat(back.adam().expAvgSq()).containsExactly(1e-6f, 4e-6f);
    }

    @Test
    void aFileWithoutLambdaIsRejectedByName() {
        assertThatThrownBy(() -> Coefficients.load(AdaReference.head(0)))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("ada_head_0.safetensors").hasMessageContaining("'lambda'");
    }
}
