package io.adamerge.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.eval.table.MainTable;
import io.adamerge.eval.table.MainTableConfig;
import io.adamerge.merge.MergeMethods;
import io.adamerge.testing.TinyZoo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny search on Spark {@code local[2]} and in this process gives the same candidates, scores, chosen coefficients and
 * test accuracies: the driver runs the optimiser, Spark's tasks load the pool from the zoo's folder and score the
 * candidates of each generation two at a time.
 */
class SparkSearchTest {
    static final List<String> ROWS = List.of("ta_tw_cmaes", "ties_lw_random");

    @Test
    void localTwoAndInProcessAgree(@TempDir Path tmp) {
        TinyZoo tiny = TinyZoo.create(tmp.resolve("zoo"));
        TinyZooSource source = new TinyZooSource(tmp.resolve("zoo").toAbsolutePath().toString());
        MergeMethods registry = MergeMethods.discover();
        MainTableConfig base = MainTableConfig.defaults(tmp.resolve("cache-local")).withMethods(ROWS).quick(1, 0, 8).withSearchBudget(9);
        MainTable.Result local = MainTable.run(tiny.zoo(), tiny.splits(), source, base, registry, MainTable.Listener.NONE);
        MainTableConfig onSpark = MainTableConfig.defaults(tmp.resolve("cache-spark")).withMethods(ROWS).quick(1, 0, 8).withSearchBudget(9)
                .withSpark("local[2]");
        MainTable.Result spark = MainTable.run(tiny.zoo(), tiny.splits(), source, onSpark, registry, MainTable.Listener.NONE);
        for (String row : ROWS) {
            MainTable.Row a = local.row(row);
            MainTable.Row b = spark.row(row);
            assertThat(a.search().evaluator()).isEqualTo("in-process");
            assertThat(b.search().evaluator()).isEqualTo("Spark local[2]");
            assertThat(b.search().evaluations()).isEqualTo(9);
            assertThat(b.search().validationAccuracy()).as(row).isEqualTo(a.search().validationAccuracy());
            assertThat(b.search().bestIndex()).isEqualTo(a.search().bestIndex());
            assertThat(b.coefficients().values()).as(row).isEqualTo(a.coefficients().values());
            assertThat(b.perTask()).isEqualTo(a.perTask());
            assertThat(b.search().bestTestAccuracy()).isEqualTo(a.search().bestTestAccuracy());
        }
        // the candidates differ from each other: the agreement is not that of a constant
        assertThat(local.row("ties_lw_random").search().validationAccuracy().stream().distinct().count()).isGreaterThan(1);
    }

    @Test
    void aPoolBuiltInMemoryCannotGoToSpark(@TempDir Path tmp) {
        TinyZoo tiny = TinyZoo.create(tmp.resolve("zoo"));
        MainTableConfig cfg = MainTableConfig.defaults(null).withMethods(List.of("ta_tw_random")).quick(1, 0, 8).withSearchBudget(2)
                .withSpark("local[2]");
        assertThatThrownBy(() -> MainTable.run(tiny.zoo(), tiny.splits(), cfg, MergeMethods.discover(), MainTable.Listener.NONE))
                .hasMessageContaining("--spark needs a pool loadable from files");
    }

    @Test
    void mastersItTakes() {
        SparkPopulationRunner r = new SparkPopulationRunner();
        assertThat(List.of("local", "local[2]", "local[*]", "spark://host:7077", "yarn", "k8s://https://h:443")).allMatch(r::accepts);
        assertThat(List.of("mesos://h:5050", "localhost", "ray://x")).noneMatch(r::accepts);
    }
}
