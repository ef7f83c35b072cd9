package io.adamerge.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskPool;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.testing.TinyZoo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zoo report on a tiny zoo's pools: its rows, the Spearman draws and the conditions follow from the rows. */
class ZooReportTest {
    @TempDir
    Path tmp;

    @Test
    void reportRowsConditionsAndDraws() {
        TinyZoo tiny = TinyZoo.create(tmp.resolve("zoo"));
        ZooReport.Result r;
        try (ModelPool models = ModelPool.of(tiny.zoo())) {
            r = ZooReport.run(models, TaskPool.of(models, tiny.splits()));
        }
        assertThat(r.rows().stream().map(ZooReport.Row::method)).containsExactly("backbone + heads (probe)", "individual",
                "multi-task (MTL)", "weight averaging", "task arithmetic λ=0.1", "task arithmetic λ=0.3");
        assertThat(r.samples()).hasSize(3);
        ZooReport.Row ta = r.rows().get(5);
        ZooReport.Row individual = r.rows().get(1);
        ZooReport.Row wa = r.rows().get(3);
        assertThat(r.conditions().get(0).value()).isEqualTo(individual.avg() - ta.avg());
        assertThat(r.conditions().get(1).holds()).isEqualTo(wa.avg() < ta.avg());
        assertThat(r.conditions().get(2).value()).isEqualTo(r.spearman());
        assertThat(ZooReport.markdown(r)).contains("| task arithmetic λ=0.3 |", "Spearman over 3 coefficient vectors");

        Zoo zoo = tiny.zoo();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            zoo.tasks().forEach(t -> heads.put(t, zoo.head(t, m)));
            List<Map<String, NDArray>> ft = zoo.tasks().stream().map(t -> Zoo.weights(zoo.modelDir(t), m)).toList();
            Map<String, NDArray> merged = TinyZoo.taskArithmetic(pre.weights(), ft, 0.3, m);
            Map<String, Double> expected = new Evaluator(pre.model(), zoo.pixels(), 9).accuracies(zoo.tasks(), t -> merged, heads,
                    tiny.splits()::test, 0, m, t -> {
                    });
            assertThat(ta.perTask()).isEqualTo(expected);
        }
    }
}
