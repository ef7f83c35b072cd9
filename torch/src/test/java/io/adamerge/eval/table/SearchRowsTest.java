package io.adamerge.eval.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Granularity;
import io.adamerge.eval.Evaluator;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.Needs;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.testing.TinyZoo;
import io.adamerge.zoo.Zoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervised search rows on the tiny zoo: they are registry methods of the search kind, their first candidate is Task
 * Arithmetic / Ties at λ 0.3 (the *_best rows' validation scores at 0.3, computed by other code), the chosen
 * coefficients' test accuracy equals an independent merge, the best-so-far trace is consistent, and a rerun with a
 * larger budget continues the search from its state file.
 */
class SearchRowsTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;
    static MainTableConfig cfg;
    static MainTable.Result result;
    static final MergeMethods REGISTRY = MergeMethods.discover();
    static final List<String> ROWS = List.of("task_arithmetic_best", "ties_best", "ta_tw_cmaes", "ties_tw_cmaes", "ta_lw_random");
    static final int BUDGET = 10;

    @BeforeAll
    static void table() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
        MainTableConfig c = MainTableConfig.defaults(tmp.resolve("cache")).withMethods(ROWS).quick(2, 0, 8);
        cfg = c.withLambdaGrid(List.of(0.3, 0.6)).withSearchBudget(BUDGET);
        result = MainTable.run(tiny.zoo(), tiny.splits(), cfg, REGISTRY, MainTable.Listener.NONE);
    }

    @Test
    void searchesAreRegistryMethodsOfTheirOwnKind() {
        assertThat(REGISTRY.ofKind(MergeMethodInfo.Kind.SEARCH).stream().map(MergeMethodInfo::name)).containsExactlyInAnyOrder(
                "ta_tw_random", "ta_tw_cmaes", "ta_lw_random", "ta_lw_cmaes", "ties_tw_random", "ties_tw_cmaes", "ties_lw_random",
                "ties_lw_cmaes");
        assertThat(TableRow.resolve("ties_lw_cmaes", cfg, REGISTRY).needs()).isEqualTo(Needs.LABELLED_VALIDATION);
        assertThat(TableRow.resolve("ties_lw_cmaes", cfg, REGISTRY).parameters()).containsEntry("budget", (long) BUDGET)
                .containsEntry("density", 0.2);
        assertThatThrownBy(() -> REGISTRY.dataFree("ta_tw_cmaes")).hasMessageContaining("labelled validation data");
        assertThat(result.notes()).anyMatch(n -> n.startsWith("Searches"));
        // the validation examples a search scores on are part of its cache key
        assertThat(MainTable.settings(TableRow.resolve("ta_tw_cmaes", cfg, REGISTRY), cfg)).containsEntry("validation_images", 0)
                .containsEntry("split", "validation");
        assertThat(MainTable.settings(TableRow.resolve("ta_tw_cmaes", cfg.withExamples(0, 5, 0), REGISTRY), cfg.withExamples(0, 5, 0)))
                .containsEntry("validation_images", 5);
    }

    @Test
    void theFirstCandidateIsTheMergeAtTheInitialValue() {
        MainTable.Row ta = result.row("ta_tw_cmaes");
        MainTable.Row ties = result.row("ties_tw_cmaes");
        assertThat(ta.search().validationAccuracy().get(0)).isEqualTo(result.row("task_arithmetic_best").validationAverage().get("0.3"));
        assertThat(ties.search().validationAccuracy().get(0)).isEqualTo(result.row("ties_best").validationAverage().get("0.3"));
    }

    @Test
    void traceAndChosenCoefficientsAreConsistent() {
        for (String id : List.of("ta_tw_cmaes", "ties_tw_cmaes", "ta_lw_random")) {
            MainTable.Row row = result.row(id);
            MainTable.SearchTrace t = row.search();
            assertThat(t.evaluations()).as(id).isEqualTo(BUDGET);
            assertThat(t.validationAccuracy()).hasSize(BUDGET);
            assertThat(t.evaluator()).isEqualTo("in-process");
            for (int i = 1; i < BUDGET; i++) {
                assertThat(t.bestValidationAccuracy().get(i)).isGreaterThanOrEqualTo(t.bestValidationAccuracy().get(i - 1));
            }
            double max = t.validationAccuracy().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            assertThat(t.bestValidationAccuracy().get(BUDGET - 1)).isEqualTo(max);
            assertThat(t.validationAccuracy().indexOf(max)).isEqualTo(t.bestIndex());
            assertThat(t.bestTestAccuracy().get(BUDGET - 1)).isEqualTo(row.avg());
        }
        assertThat(result.row("ta_lw_random").coefficients().granularity()).isEqualTo(Granularity.LAYER);
    }

    @Test
    void theChosenTaskWiseCoefficientsTestLikeAnIndependentMerge() {
        Zoo zoo = tiny.zoo();
        List<String> tasks = zoo.tasks();
        MainTable.Row row = result.row("ta_tw_cmaes");
        float[][] lambda = row.coefficients().clampedMatrix();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            List<Map<String, NDArray>> finetuned = new ArrayList<>();
            for (String t : tasks) {
                heads.put(t, zoo.head(t, m));
                finetuned.add(Zoo.weights(zoo.modelDir(t), m));
            }
            Map<String, NDArray> merged = new LinkedHashMap<>();
            pre.weights().forEach((name, p) -> {
                NDArray w = p;
                for (int k = 0; k < tasks.size(); k++) {
                    w = w.add(finetuned.get(k).get(name).sub(p).mul(lambda[0][k]));
                }
                merged.put(name, w);
            });
            Map<String, Double> expected = new Evaluator(pre.model(), zoo.pixels(), 7).accuracies(tasks, t -> merged, heads,
                    tiny.splits()::test, 0, m, t -> {
                    });
            assertThat(row.perTask()).isEqualTo(expected);
        }
    }

    @Test
    void aLargerBudgetContinuesTheSearchAndASecondRunReadsTheCache() {
        MainTableConfig more = cfg.withMethods(List.of("ta_tw_cmaes")).withSearchBudget(BUDGET + 6);
        MainTable.Row row = MainTable.run(tiny.zoo(), tiny.splits(), more, REGISTRY, MainTable.Listener.NONE).row("ta_tw_cmaes");
        assertThat(row.search().resumed()).isEqualTo(BUDGET);
        assertThat(row.search().evaluations()).isEqualTo(BUDGET + 6);
        assertThat(row.search().validationAccuracy().subList(0, BUDGET)).isEqualTo(result.row("ta_tw_cmaes").search().validationAccuracy());
        MainTable.Row again = MainTable.run(tiny.zoo(), tiny.splits(), more, REGISTRY, MainTable.Listener.NONE).row("ta_tw_cmaes");
        assertThat(again.cached()).isTrue();
        assertThat(again.search()).isEqualTo(row.search());
        assertThat(again.coefficients().values()).isEqualTo(row.coefficients().values());
    }
}
