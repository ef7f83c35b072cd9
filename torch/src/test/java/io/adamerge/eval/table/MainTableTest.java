package io.adamerge.eval.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Granularity;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.eval.Evaluator;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
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
 * The main table on a tiny zoo: rows come from the registry by name (the paper's rows, DARE, a toy method known only
 * through a test service file), each row's numbers equal an independent computation, λ is chosen on validation, and a
 * rerun is read from the cache.
 */
class MainTableTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;
    static MainTableConfig cfg;
    static MainTable.Result result;
    static final MergeMethods REGISTRY = MergeMethods.discover();
    static final List<String> ROWS = List.of("pretrained", "individual", "mtl", "weight_average", "task_arithmetic", "task_arithmetic_best",
            "ties", "dare", "dare_ties", "toy", "toy_best", "regmean", "lw_adamerging");

    @BeforeAll
    static void table() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
        MainTableConfig c = MainTableConfig.defaults(tmp.resolve("cache")).withMethods(ROWS).quick(2, 0, 8);
        cfg = new MainTableConfig(c.methods(), c.lambda(), List.of(0.0, 0.3, 0.6, 1.0), c.tiesDensity(), c.adaMerging(), c.adaImages(),
                c.fisher(), c.regmean(), c.testImages(), c.validationImages(), c.cacheDir(), c.force());
        result = MainTable.run(tiny.zoo(), tiny.splits(), cfg, REGISTRY, MainTable.Listener.NONE);
    }

    @Test
    void rowsAreTheRegistryMethodsAskedFor() {
        assertThat(result.rows().stream().map(MainTable.Row::method)).containsExactlyElementsOf(ROWS);
        assertThat(result.tasks()).containsExactlyElementsOf(TinyZoo.TASKS);
        assertThat(TableRow.resolve("ties_best", cfg, REGISTRY).needs()).isEqualTo(Needs.LABELLED_VALIDATION);
        assertThat(TableRow.resolve("regmean", cfg, REGISTRY).needs()).isEqualTo(Needs.UNLABELLED_DATA);
        assertThat(TableRow.resolve("dare", cfg, REGISTRY).parameters()).containsEntry("lambda", 0.3);
        assertThat(TableRow.resolve("ties", cfg, REGISTRY).parameters()).containsEntry("lambda", 0.3).containsEntry("density", 0.2);
        assertThat(result.notes()).anyMatch(n -> n.startsWith("toy: lambda 0.3")).anyMatch(n -> n.startsWith("dare: drop_rate 0.9"));
        MainTable.Row ada = result.row("lw_adamerging");
        assertThat(ada.coefficients().granularity()).isEqualTo(Granularity.LAYER);
        assertThat(ada.coefficients().step()).isEqualTo(2);
        assertThatThrownBy(() -> MainTable.rows(cfg.withMethods(List.of("pretrained", "slerp")), REGISTRY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown table row 'slerp'")
                .hasMessageContaining("dare_best").hasMessageContaining("toy");
        assertThatThrownBy(() -> MainTable.rows(cfg.withMethods(List.of("regmean_best")), REGISTRY))
                .hasMessageContaining("unknown table row 'regmean_best'");
    }

    @Test
    void everyRowEqualsAnIndependentComputation() {
        Zoo zoo = tiny.zoo();
        List<String> tasks = zoo.tasks();
        List<Path> files = tasks.stream().map(tiny::weightsFile).toList();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Evaluator evaluator = new Evaluator(pre.model(), zoo.pixels(), 7);
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            List<Map<String, NDArray>> finetuned = new ArrayList<>();
            for (String t : tasks) {
                heads.put(t, zoo.head(t, m));
                finetuned.add(Zoo.weights(zoo.modelDir(t), m));
            }
            Map<String, Map<String, NDArray>> merges = new LinkedHashMap<>();
            merges.put("pretrained", pre.weights());
            merges.put("mtl", Zoo.weights(zoo.multitaskDir(), m));
            merges.put("task_arithmetic", TinyZoo.taskArithmetic(pre.weights(), finetuned, 0.3, m));
            // data-free rows are the streamed merges of the zoo's files, as 'adamerge merge' writes them
            for (String method : List.of("weight_average", "ties", "dare", "dare_ties", "toy")) {
                Path out = tmp.resolve(method + ".safetensors");
                Map<String, Object> params = TableRow.resolve(method, cfg, REGISTRY).parameters();
                MergeExecutor.withDiscoveredMethods().run(MergeJob.of(method, method.equals("weight_average") ? null : tiny.weightsFile(null),
                        files, out).withParameters(params));
                Map<String, NDArray> read = new LinkedHashMap<>();
                try (Checkpoint c = Checkpoint.open(out)) {
                    pre.weights().forEach((name, a) -> read.put(name, m.create(c.readFloats(name), a.getShape())));
                }
                merges.put(method, read);
            }
            for (Map.Entry<String, Map<String, NDArray>> e : merges.entrySet()) {
                Map<String, Double> expected = evaluator.accuracies(tasks, t -> e.getValue(), heads, tiny.splits()::test, 0, m, t -> {
                });
                assertThat(result.row(e.getKey()).perTask()).as(e.getKey()).isEqualTo(expected);
                assertThat(result.row(e.getKey()).avg()).isEqualTo(Evaluator.mean(expected));
            }
            Map<String, Double> individual = evaluator.accuracies(tasks, t -> finetuned.get(tasks.indexOf(t)), heads, tiny.splits()::test, 0,
                    m, t -> {
                    });
            assertThat(result.row("individual").perTask()).isEqualTo(individual);

            // task_arithmetic_best: the first λ of the grid with the best average validation accuracy, then its test accuracy
            Map<String, Double> validation = new LinkedHashMap<>();
            double best = Double.NaN;
            double bestAvg = Double.NEGATIVE_INFINITY;
            for (double lambda : cfg.lambdaGrid()) {
                Map<String, NDArray> merged = TinyZoo.taskArithmetic(pre.weights(), finetuned, lambda, m);
                double avg = Evaluator.mean(evaluator.accuracies(tasks, t -> merged, heads, tiny.splits()::validation, 0, m, t -> {
                }));
                validation.put(MainTable.lambdaLabel(lambda), avg);
                if (avg > bestAvg) {
                    bestAvg = avg;
                    best = lambda;
                }
            }
            MainTable.Row row = result.row("task_arithmetic_best");
            assertThat(row.validationAverage()).isEqualTo(validation);
            assertThat(row.chosenLambda()).isEqualTo(best);
            Map<String, NDArray> chosen = TinyZoo.taskArithmetic(pre.weights(), finetuned, best, m);
            assertThat(row.perTask()).isEqualTo(evaluator.accuracies(tasks, t -> chosen, heads, tiny.splits()::test, 0, m, t -> {
            }));
            assertThat(result.row("toy_best").chosenLambda()).isIn(cfg.lambdaGrid());
        }
    }

    @Test
    void aRerunReadsEveryRowFromTheCache() {
        List<String> started = new ArrayList<>();
        MainTable.Result again = MainTable.run(tiny.zoo(), tiny.splits(), cfg, REGISTRY, new MainTable.Listener() {
            @Override
            public void started(String row, long work) {
                assertThat(work).isZero();
                started.add(row);
            }
        });
        assertThat(started).containsExactlyElementsOf(ROWS);
        for (int i = 0; i < ROWS.size(); i++) {
            MainTable.Row a = result.rows().get(i);
            MainTable.Row b = again.rows().get(i);
            assertThat(b.cached()).isTrue();
            assertThat(b.perTask()).isEqualTo(a.perTask());
            assertThat(b.chosenLambda()).isEqualTo(a.chosenLambda());
        }
        assertThat(again.row("lw_adamerging").coefficients().values()).containsExactly(result.row("lw_adamerging").coefficients().values());
    }

    /**
     * {@code tsv_m_best}: α chosen over the official grid 0.1 … 3.0 on validation (the first best), each α's average
     * validation accuracy and the chosen merge's test accuracies equal to {@code adamerge merge --method tsv_m}'s files
     * evaluated independently; AdaRank rows run through the same table with the table's step count.
     */
    @Test
    void spectralBestRowsSearchAlphaAndAdaRankRowsRun() {
        MainTableConfig c = cfg.withMethods(List.of("tsv_m_best", "adarank_ta", "adarank_tsv"));
        c = new MainTableConfig(c.methods(), c.lambda(), c.lambdaGrid(), c.tiesDensity(), c.adaMerging(), c.adaImages(), c.fisher(),
                c.regmean(), c.testImages(), c.validationImages(), tmp.resolve("cache-spectral"), c.force());
        assertThat(TableRow.known(REGISTRY)).contains("tsv_m_best", "iso_c_best", "iso_cts_best").doesNotContain("adarank_ta_best");
        TableRow row = TableRow.resolve("tsv_m_best", c, REGISTRY);
        assertThat(row.chosenOnValidation()).isEqualTo("alpha");
        assertThat(row.parameters()).doesNotContainKey("alpha");
        assertThat(row.grid(c)).hasSize(30).startsWith(0.1, 0.2, 0.3).endsWith(2.9, 3.0);
        assertThat(TableRow.resolve("adarank_ta", c, REGISTRY).parameters()).containsEntry("steps", 2L);
        MainTable.Result r = MainTable.run(tiny.zoo(), tiny.splits(), c, REGISTRY, MainTable.Listener.NONE);
        Zoo zoo = tiny.zoo();
        List<String> tasks = zoo.tasks();
        List<Path> files = tasks.stream().map(tiny::weightsFile).toList();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Evaluator evaluator = new Evaluator(pre.model(), zoo.pixels(), 7);
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            for (String t : tasks) {
                heads.put(t, zoo.head(t, m));
            }
            Map<String, Double> validation = new LinkedHashMap<>();
            Map<Double, Map<String, NDArray>> merges = new LinkedHashMap<>();
            double best = Double.NaN;
            double bestAvg = Double.NEGATIVE_INFINITY;
            for (double alpha : TableRow.ALPHA_GRID) {
                Path out = tmp.resolve("tsv_m-" + alpha + ".safetensors");
                MergeExecutor.withDiscoveredMethods().run(MergeJob.of("tsv_m", tiny.weightsFile(null), files, out)
                        .withParameters(Map.of("alpha", alpha)));
                Map<String, NDArray> read = new LinkedHashMap<>();
                try (Checkpoint ck = Checkpoint.open(out)) {
                    pre.weights().forEach((name, a) -> read.put(name, m.create(ck.readFloats(name), a.getShape())));
                }
                merges.put(alpha, read);
                double avg = Evaluator.mean(evaluator.accuracies(tasks, t -> read, heads, tiny.splits()::validation, 0, m, t -> {
                }));
                validation.put(MainTable.lambdaLabel(alpha), avg);
                if (avg > bestAvg) {
                    bestAvg = avg;
                    best = alpha;
                }
            }
            MainTable.Row tsv = r.row("tsv_m_best");
            assertThat(tsv.validationAverage()).isEqualTo(validation);
            assertThat(tsv.chosenLambda()).isEqualTo(best);
            Map<String, NDArray> chosen = merges.get(best);
            assertThat(tsv.perTask()).isEqualTo(evaluator.accuracies(tasks, t -> chosen, heads, tiny.splits()::test, 0, m, t -> {
            }));
        }
        for (String ada : List.of("adarank_ta", "adarank_tsv")) {
            MainTable.Row a = r.row(ada);
            assertThat(a.coefficients().step()).as(ada).isEqualTo(2);
            assertThat(a.perTask()).as(ada).hasSize(tasks.size());
        }
        assertThat(r.notes()).anyMatch(n -> n.contains("α ∈ {0.1, 0.2, …, 3.0}"));
    }
}
