package io.adamerge.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.eval.Evaluator;
import io.adamerge.merge.MergeMethods;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.testing.TinyZoo;
import io.adamerge.zoo.Zoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studies on a tiny zoo, comparing registry methods by name — the paper's and a toy one from a test service file. */
class StudiesTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;
    static StudyContext ctx;
    static final List<String> METHODS = List.of("task_arithmetic", "ties", "toy", "lw_adamerging");
    static final List<String> LABELS = List.of("Task Arithmetic (λ 0.3)", "Ties-Merging (λ 0.3)", "toy (λ 0.3)", "AdaMerging (layer-wise)");

    @BeforeAll
    static void context() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
        ctx = new StudyContext(tiny.zoo(), tiny.splits(), StudySettings.quick(), METHODS, MergeMethods.discover());
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    @Test
    void generalizationMergesTheSeenTasksAndScoresUnseenOnesWithTheirHeads() {
        GeneralizationStudy.Split split = GeneralizationStudy.Split.leaveOut("A", tiny.zoo().tasks(), List.of("kana-10"));
        GeneralizationStudy.Result r = GeneralizationStudy.run(ctx, List.of(split));
        List<GeneralizationStudy.Row> rows = r.splits().get(0).rows();
        assertThat(rows.stream().map(GeneralizationStudy.Row::method)).containsExactlyElementsOf(LABELS);
        Zoo zoo = tiny.zoo();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            List<Map<String, NDArray>> seen = split.seen().stream().map(t -> Zoo.weights(zoo.modelDir(t), m)).toList();
            Map<String, NDArray> ta = TinyZoo.taskArithmetic(pre.weights(), seen, 0.3, m);
            double expected = new Evaluator(pre.model(), zoo.pixels(), 5)
                    .evaluate("kana-10", ta, zoo.head("kana-10", m), tiny.splits().test("kana-10"), 16, m).accuracy();
            assertThat(rows.get(0).unseen().get("kana-10")).isEqualTo(expected);
        }
    }

    @Test
    void sensitivityDrawsACurvePerDataFreeMethodWithALambda() {
        SensitivityStudy.Result r = SensitivityStudy.run(ctx, tiny.zoo().tasks());
        assertThat(r.curves().stream().map(SensitivityStudy.Curve::method)).containsExactly("Task Arithmetic", "Ties-Merging", "toy");
        assertThat(r.levels().keySet()).containsExactly("AdaMerging (layer-wise)");
        // at λ 0 every curve is the pretrained model
        double pretrained = r.curves().get(0).avg().get(0);
        r.curves().forEach(c -> assertThat(c.avg().get(0)).as(c.method()).isEqualTo(pretrained));
        assertThat(r.curves().get(0).lambdas()).isEqualTo(StudySettings.quick().sensitivityLambdas());
    }

    @Test
    void distancesAndEntropyAndRobustnessRunOnEveryMethod() {
        DistanceStudy.Result d = DistanceStudy.run(ctx, tiny.zoo().tasks());
        assertThat(d.merged()).containsExactlyElementsOf(LABELS);
        for (int a = 0; a < 3; a++) {
            assertThat(d.taskL2().values()[a][a]).isZero();
            for (int b = 0; b < 3; b++) {
                assertThat(d.taskL2().values()[a][b]).isEqualTo(d.taskL2().values()[b][a]);
            }
        }
        EntropyStudy.Result e = EntropyStudy.run(ctx, tiny.zoo().tasks());
        StudySettings s = StudySettings.quick();
        // random draws, then the trajectory: the start and every step (trajectoryEvery 1)
        assertThat(e.points()).hasSize(s.entropyDraws() + s.adaSteps() + 1);
        RobustnessStudy.Result rob = RobustnessStudy.run(ctx, List.of("mnist", "fashion"), List.of(Corruption.values()[0].id()));
        assertThat(rob.rows().stream().map(RobustnessStudy.Row::method)).containsExactlyElementsOf(LABELS);
        assertThat(rob.conditions()).hasSize(2);
    }

    @Test
    void unknownMethodsAreNamed() {
        assertThatThrownBy(() -> StudyMethod.of("slerp", StudySettings.quick(), MergeMethods.discover()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown merge method 'slerp'");
    }
}
