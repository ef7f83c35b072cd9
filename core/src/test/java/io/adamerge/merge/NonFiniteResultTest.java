package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.io.Finite;
import io.adamerge.testing.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, defect 4: finite inputs merged into infinities (--lambda 1e39) are refused, nothing is written. */
class NonFiniteResultTest {
    @TempDir
    Path dir;

    @Test
    void aHugeLambdaIsRefusedAndNothingIsWritten() {
        Random r = new Random(3);
        Map<String, long[]> shapes = Models.shapes(r);
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        Path ft = Models.write(dir.resolve("ft.safetensors"), Models.fineTuned(r, base, 0.1f));
        for (Path out : List.of(dir.resolve("m.safetensors"), dir.resolve("m"))) {
            MergeJob job = MergeJob.of("task_arithmetic", pre, List.of(ft), out).withParameters(Map.of("lambda", "1e39"));
            assertThatThrownBy(() -> MergeExecutor.withDiscoveredMethods().run(job))
                    .isInstanceOf(MergeConfigException.class)
                    .hasMessageContaining("task_arithmetic: the merged tensor '")
                    .hasMessageContaining("Infinity").hasMessageContaining("nothing written");
            assertThat(out).doesNotExist();
        }
        assertThat(dir.toFile().list()).containsExactlyInAnyOrder("pre.safetensors", "ft.safetensors");
    }

    @Test
    void allowNonFiniteWritesItAnyway() {
        Random r = new Random(4);
        Map<String, long[]> shapes = Models.shapes(r);
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        Path ft = Models.write(dir.resolve("ft.safetensors"), Models.fineTuned(r, base, 0.1f));
        Path out = dir.resolve("m.safetensors");
        MergeExecutor.withDiscoveredMethods().run(MergeJob.of("task_arithmetic", pre, List.of(ft), out)
                .withParameters(Map.of("lambda", "1e39")).withAllowNonFinite(true));
        try (Checkpoint c = Checkpoint.open(out)) {
            String name = c.tensors().stream().filter(t -> t.dtype().isFloating()).findFirst().orElseThrow().name();
            assertThat(Finite.firstNonFinite(c.readFloats(name))).isGreaterThanOrEqualTo(0);
        }
    }
}
