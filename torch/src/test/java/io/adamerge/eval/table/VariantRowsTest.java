package io.adamerge.eval.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.methods.IsotropicCommonTaskMerge;
import io.adamerge.merge.methods.IsotropicMerge;
import io.adamerge.merge.methods.TaskSingularVectors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Variants as table rows: {@code iso_c_lowrank} is a row of Iso-C with rank_tolerance 1e-4 among its parameters (so in
 * its cache key), {@code *_lowrank_best} chooses α on validation like {@code iso_c_best}; the official rows' settings,
 * and so their cache keys, are the ones they had before rank_tolerance existed.
 */
class VariantRowsTest {
    static final MergeMethods REGISTRY = MergeMethods.discover();
    final MainTableConfig cfg = MainTableConfig.defaults(Path.of("unused-cache"));

    @Test
    void aVariantRowIsItsBaseMethodWithTheOverrides() {
        TableRow row = TableRow.resolve("iso_c_lowrank", cfg, REGISTRY);
        assertThat(row.method()).isInstanceOf(IsotropicMerge.class);
        assertThat(row.parameters()).containsExactly(Map.entry("rank_tolerance", 1e-4));
        assertThat(row.chosenOnValidation()).isNull();
        assertThat(TableRow.resolve("tsv_m_lowrank", cfg, REGISTRY).method()).isInstanceOf(TaskSingularVectors.class);
        assertThat(TableRow.resolve("iso_cts_lowrank", cfg, REGISTRY).method()).isInstanceOf(IsotropicCommonTaskMerge.class);

        TableRow best = TableRow.resolve("tsv_m_lowrank_best", cfg, REGISTRY);
        assertThat(best.method()).isInstanceOf(TaskSingularVectors.class);
        assertThat(best.chosenOnValidation()).isEqualTo("alpha");
        assertThat(best.parameters()).containsExactly(Map.entry("rank_tolerance", 1e-4));
        assertThat(best.grid(cfg)).isEqualTo(TableRow.ALPHA_GRID);
        assertThat(TableRow.known(REGISTRY)).contains("tsv_m_lowrank", "tsv_m_lowrank_best", "iso_c_lowrank", "iso_c_lowrank_best",
                "iso_cts_lowrank", "iso_cts_lowrank_best");
    }

    @Test
    void theVariantsOverridesAreInTheCacheKeyAndTheOfficialRowsKeysAreUnchanged() {
        Map<String, Object> variant = MainTable.settings("iso_c_lowrank", cfg);
        assertThat(variant).containsEntry("method", "iso_c").containsEntry("parameters", Map.of("rank_tolerance", 1e-4));
        assertThat(MainTable.settings("tsv_m_lowrank_best", cfg)).containsEntry("parameters", Map.of("rank_tolerance", 1e-4));
        // what the official rows' settings were before rank_tolerance (printed by main's jar at 8100422): nothing more
        for (String method : List.of("tsv_m", "iso_c", "iso_cts")) {
            Map<String, Object> plain = new LinkedHashMap<>();
            plain.put("test_images", cfg.testImages());
            plain.put("method", method);
            assertThat(MainTable.settings(method, cfg)).as(method).isEqualTo(plain);
            Map<String, Object> best = new LinkedHashMap<>(plain);
            best.put("alpha_grid", TableRow.ALPHA_GRID);
            best.put("validation_images", cfg.validationImages());
            assertThat(MainTable.settings(method + "_best", cfg)).as(method + "_best").isEqualTo(best);
        }
    }
}
