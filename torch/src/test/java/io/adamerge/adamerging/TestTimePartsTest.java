package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test-time parts put together in other ways than AdaMerging's presets, on the reference fixture. */
class TestTimePartsTest {
    private static NDManager manager;
    private static ClipVisionModel.Loaded pre;
    private static List<Map<String, NDArray>> finetuned;
    private static List<TestTimeTask> tasks;

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
            tasks.add(TestTimeTask.of("task" + k, ClassificationHead.load(AdaReference.head(k), manager),
                    TaskImages.readSafetensors(AdaReference.images(k))));
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static CoefficientTrainer trainer(CoefficientMerge merge, Objective objective, int steps, TrainerListener... listeners) {
        return new CoefficientTrainer(pre.model(), merge, tasks, objective, PyTorchAdam.Settings.withLearningRate(1e-3),
                new BatchSampler(5, 4), steps, List.of(listeners));
    }

    private static CoefficientMerge layerWise() {
        return CoefficientMerge.create(pre.model(), pre.weights(), finetuned, Granularity.LAYER, TaskVectorTransform.NONE, manager);
    }

    @Test
    void aPassPerTaskGivesTheOnePassLossAndGradient() {
        try (CoefficientMerge merge = layerWise()) {
            Coefficients lambda = merge.constant(0.3f);
            PassesAgree.check(pre.model(), merge, tasks, new BatchSampler(5, 4), lambda, 2);
        }
    }

    @Test
    void anotherObjectivePlugsIn() {
        Objective twice = (t, embeddings, head) -> {
            NDArray l = EntropyObjective.INSTANCE.taskLoss(t, embeddings, head);
            return l.add(l);
        };
        try (CoefficientMerge merge = layerWise()) {
            Coefficients at = merge.constant(0.3f);
            StepResult entropy = trainer(merge, EntropyObjective.INSTANCE, 1).evaluate(at, 0);
            StepResult doubled = trainer(merge, twice, 1).evaluate(at, 0);
            for (int t = 0; t < tasks.size(); t++) {
                assertThat(doubled.taskLoss()[t]).isEqualTo(2 * entropy.taskLoss()[t]);
            }
            for (int i = 0; i < entropy.gradient().length; i++) {
                assertThat(doubled.gradient()[i]).as("gradient %d", i).isEqualTo(2 * entropy.gradient()[i]);
            }
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunBeforeAnyUpdate() {
        Objective broken = (t, embeddings, head) -> {
            NDArray l = EntropyObjective.INSTANCE.taskLoss(t, embeddings, head);
            return l.sub(l).log(); // log 0
        };
        List<Coefficients> updated = new ArrayList<>();
        try (CoefficientMerge merge = layerWise()) {
            CoefficientTrainer run = trainer(merge, broken, 3, new NonFiniteStop("test"), (r, c) -> updated.add(c));
            assertThatThrownBy(() -> run.run(merge.constant(0.3f))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("test loss is not finite at step 0");
        }
        assertThat(updated).isEmpty();
    }

    @Test
    void checkpointsEveryNStepsResumeToTheUninterruptedResult() {
        Path file = tmp.resolve("lambda.safetensors");
        try (CoefficientMerge merge = CoefficientMerge.create(pre.model(), pre.weights(), finetuned, Granularity.LAYER,
                new TiesTrim(0.2), manager)) {
            Coefficients uninterrupted = trainer(merge, EntropyObjective.INSTANCE, 5, new SaveCoefficients(file, 2))
                    .run(merge.constant(0.3f));
            Coefficients saved = Coefficients.load(file);
            assertThat(saved.step()).isEqualTo(4);
            Coefficients resumed = trainer(merge, EntropyObjective.INSTANCE, 5).run(saved);
            assertThat(resumed.step()).isEqualTo(5);
            assertThat(resumed.values()).containsExactly(uninterrupted.values());
            assertThat(resumed.adam().expAvgSq()).containsExactly(uninterrupted.adam().expAvgSq());
        }
    }

    @Test
    void theFourAdaMergingVariantsAreSettingsOfOneComposition() {
        for (String name : AdaMergingConfig.PRESETS) {
            AdaMergingConfig c = AdaMergingConfig.preset(name);
            assertThat(c.methodName()).isEqualTo(name);
            assertThat(c.granularity()).isEqualTo(name.startsWith("lw") ? Granularity.LAYER : Granularity.TASK);
            assertThat(c.transform()).isEqualTo(name.endsWith("_pp") ? new TiesTrim(0.2) : TaskVectorTransform.NONE);
            assertThat(c.objective()).isSameAs(EntropyObjective.INSTANCE);
            assertThat(c.optimizer()).isEqualTo(new PyTorchAdam.Settings(1e-3, 0.9, 0.999, 1e-8));
        }
        assertThatThrownBy(() -> AdaMergingConfig.preset("adamerging")).hasMessageContaining("presets: [tw_adamerging");
    }
}
