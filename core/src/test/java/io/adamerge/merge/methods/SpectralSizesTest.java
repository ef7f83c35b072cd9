package io.adamerge.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The subspace sizes of TSV-M and Iso-CTS against the reference's metadata, and their invariants. */
class SpectralSizesTest {
    static final Path EXPECTED = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference",
            "svd_expected.safetensors").toAbsolutePath().normalize();

    @Test
    void sizesMatchTheReference() throws Exception {
        try (Checkpoint expected = Checkpoint.open(EXPECTED); Checkpoint pre = Checkpoint.open(
                EXPECTED.resolveSibling("merge_pre.safetensors"))) {
            ObjectMapper json = new ObjectMapper();
            JsonNode ranks = json.readTree(expected.metadata().get("tsv_m_rank_per_task"));
            JsonNode dims = json.readTree(expected.metadata().get("iso_cts_dims"));
            int checked = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = ranks.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                long[] shape = pre.info(e.getKey()).shape();
                int r = (int) Math.min(shape[0], shape[1]);
                assertThat(TaskSingularVectors.rankPerTask(r, 3)).as(e.getKey()).isEqualTo(e.getValue().asInt());
                int[] sizes = IsotropicCommonTaskMerge.subspaceSizes(r, 3, 0.8);
                assertThat(sizes[0]).as("common size of %s", e.getKey()).isEqualTo(dims.get(e.getKey()).get("common").asInt());
                assertThat(sizes[1]).as("per-task size of %s", e.getKey()).isEqualTo(dims.get(e.getKey()).get("per_task").asInt());
                checked++;
            }
            assertThat(checked).isGreaterThan(10);
        }
    }

    @Test
    void halvesRoundToEvenAsPythonDoes() {
        // r = 10, T = 4, f = 0.8: c0 = 8, (10 - 8) / 4 = 0.5 rounds to 0 (Math.round would give 1): all common
        assertThat(IsotropicCommonTaskMerge.subspaceSizes(10, 4, 0.8)).containsExactly(10, 0);
        // r = 30, T = 4, f = 0.8: c0 = 24, 6 / 4 = 1.5 rounds to 2
        assertThat(IsotropicCommonTaskMerge.subspaceSizes(30, 4, 0.8)).containsExactly(22, 2);
    }

    @Property
    void subspacesFillTheRank(@ForAll @IntRange(min = 1, max = 800) int r, @ForAll @IntRange(min = 1, max = 20) int tasks,
                              @ForAll @IntRange(min = 0, max = 100) int percent) {
        int[] sizes = IsotropicCommonTaskMerge.subspaceSizes(r, tasks, percent / 100.0);
        assertThat(sizes[0] + tasks * sizes[1]).isEqualTo(r);
        assertThat(sizes[0]).isBetween(0, r);
        assertThat(TaskSingularVectors.rankPerTask(r, tasks) * tasks).isLessThanOrEqualTo(r);
    }
}
