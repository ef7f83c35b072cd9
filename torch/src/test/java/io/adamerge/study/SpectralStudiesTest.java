package io.adamerge.study;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.table.TableRow;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
import io.adamerge.merge.MergeMethods;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.testing.TinyZoo;
import io.adamerge.zoo.Zoo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spectral merges and AdaRank as rows of the studies: TSV-M and Iso-C draw α curves over the official grid
 * 0.1 … 3.0 beside Task Arithmetic's λ curve (each point equal to {@code adamerge merge --method tsv_m --alpha A}
 * evaluated independently), AdaRank is a reference level, and all of them are rows of the generalisation and
 * robustness studies.
 */
class SpectralStudiesTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;
    static StudyContext ctx;
    static final List<String> METHODS = List.of("task_arithmetic", "tsv_m", "iso_c", "adarank_tsv");
    static final List<String> LABELS = List.of("Task Arithmetic (λ 0.3)", "tsv_m", "iso_c", "adarank_tsv");

    @BeforeAll
    static void context() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
        ctx = new StudyContext(tiny.zoo(), tiny.splits(), StudySettings.quick(), METHODS, MergeMethods.discover());
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    /** The tsv_m merge of {@code tasks} at α, through the file executor, read back. */
    private static Map<String, NDArray> tsvFromFiles(List<String> tasks, double alpha, ClipVisionModel.Loaded pre, NDManager m) {
        Path out = tmp.resolve("tsv_m-" + String.join("-", tasks) + "-" + alpha + ".safetensors");
        MergeExecutor.withDiscoveredMethods().run(MergeJob.of("tsv_m", tiny.weightsFile(null), tasks.stream().map(tiny::weightsFile).toList(),
                out).withParameters(Map.of("alpha", alpha)));
        Map<String, NDArray> read = new LinkedHashMap<>();
        try (Checkpoint ck = Checkpoint.open(out)) {
            pre.weights().forEach((name, a) -> read.put(name, m.create(ck.readFloats(name), a.getShape())));
        }
        return read;
    }

    @Test
    void sensitivityDrawsAlphaCurvesForTheSpectralMergesBesideTheLambdaCurves() {
        List<String> tasks = tiny.zoo().tasks();
        SensitivityStudy.Result r = SensitivityStudy.run(ctx, tasks);
        assertThat(r.curves().stream().map(SensitivityStudy.Curve::method)).containsExactly("Task Arithmetic", "tsv_m", "iso_c");
        assertThat(r.curves().stream().map(SensitivityStudy.Curve::parameter)).containsExactly("lambda", "alpha", "alpha");
        assertThat(r.curves().get(0).lambdas()).isEqualTo(StudySettings.quick().sensitivityLambdas());
        assertThat(r.curves().get(1).lambdas()).isEqualTo(TableRow.ALPHA_GRID);
        assertThat(r.levels().keySet()).containsExactly("adarank_tsv");
        SensitivityStudy.Curve tsv = r.curves().get(1);
        // α matters on this zoo: the points compared below are not all the same model's accuracy
        assertThat(tsv.avg().stream().distinct().count()).isGreaterThan(3);
        try (NDManager m = TorchRuntime.newManager()) {
            Zoo zoo = tiny.zoo();
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Evaluator evaluator = new Evaluator(pre.model(), zoo.pixels(), 5);
            for (double alpha : List.of(0.3, 1.0, 2.5)) {
                Map<String, NDArray> merged = tsvFromFiles(tasks, alpha, pre, m);
                int at = TableRow.ALPHA_GRID.indexOf(alpha);
                for (String task : tasks) {
                    double expected = evaluator.evaluate(task, merged, zoo.head(task, m), tiny.splits().test(task), 16, m).accuracy();
                    assertThat(tsv.perTask().get(at).get(task)).as("tsv_m α %s %s", alpha, task).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void spectralMergesAndAdaRankAreRowsOfTheGeneralisationAndRobustnessStudies() {
        GeneralizationStudy.Split split = GeneralizationStudy.Split.leaveOut("A", tiny.zoo().tasks(), List.of("kana-10"));
        GeneralizationStudy.Result g = GeneralizationStudy.run(ctx, List.of(split));
        List<GeneralizationStudy.Row> rows = g.splits().get(0).rows();
        assertThat(rows.stream().map(GeneralizationStudy.Row::method)).containsExactlyElementsOf(LABELS);
        try (NDManager m = TorchRuntime.newManager()) {
            Zoo zoo = tiny.zoo();
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Map<String, NDArray> tsv = tsvFromFiles(split.seen(), 1.0, pre, m);
            double expected = new Evaluator(pre.model(), zoo.pixels(), 5)
                    .evaluate("kana-10", tsv, zoo.head("kana-10", m), tiny.splits().test("kana-10"), 16, m).accuracy();
            assertThat(rows.get(1).unseen().get("kana-10")).isEqualTo(expected);
        }
        GeneralizationStudy.Row adaRank = rows.get(3);
        assertThat(adaRank.seen()).hasSize(split.seen().size());
        assertThat(adaRank.seenAvg()).isBetween(0.0, 100.0);
        RobustnessStudy.Result rob = RobustnessStudy.run(ctx, List.of("mnist", "fashion"), List.of(Corruption.values()[0].id()));
        assertThat(rob.rows().stream().map(RobustnessStudy.Row::method)).containsExactlyElementsOf(LABELS);
        for (RobustnessStudy.Row row : rob.rows()) {
            assertThat(row.avg().keySet()).as(row.method()).containsExactlyElementsOf(rob.conditions());
        }
    }
}
