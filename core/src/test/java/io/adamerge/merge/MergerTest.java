package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.io.OutputException;
import io.adamerge.merge.config.MergeConfig;
import io.adamerge.testing.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library's one entry point: a config in, the same bytes as the streaming executor out, the output policy kept. */
class MergerTest {
    @TempDir
    Path dir;

    @Test
    void aYamlConfigMergesToTheExecutorsBytes() throws IOException {
        Random r = new Random(11);
        Map<String, long[]> shapes = Models.shapes(r);
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        Path a = Models.write(dir.resolve("a.safetensors"), Models.fineTuned(r, base, 0.1f));
        Path b = Models.write(dir.resolve("b.safetensors"), Models.fineTuned(r, base, 0.1f));
        Path yml = Files.writeString(dir.resolve("ties.yml"), "merge_method: ties\nbase_model: pre.safetensors\nmodels:\n"
                + "  - a.safetensors\n  - b.safetensors\nparameters: {density: 0.3, lambda: 0.7}\nout: " + dir.resolve("viaMerger.safetensors") + "\n");
        Merger.Result result = Merger.discover().merge(MergeConfig.read(yml), Merger.Options.defaults());
        assertThat(result.method()).isEqualTo("ties");
        assertThat(result.outputFiles()).containsExactly(dir.resolve("viaMerger.safetensors"));
        MergeExecutor.withDiscoveredMethods().run(MergeJob.of("ties", pre, List.of(a, b), dir.resolve("direct.safetensors"))
                .withParameters(Map.of("density", 0.3, "lambda", 0.7)));
        assertThat(Files.readAllBytes(dir.resolve("viaMerger.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("direct.safetensors")));

        // the output policy: an existing output needs force, an input never
        MergeConfig again = MergeConfig.read(yml);
        assertThatThrownBy(() -> Merger.discover().merge(again, Merger.Options.defaults()))
                .isInstanceOf(OutputException.class).hasMessageContaining("already exists");
        Merger.discover().merge(again, Merger.Options.defaults().withForce(true));
        assertThatThrownBy(() -> Merger.discover().merge(again.withOutput(a), Merger.Options.defaults().withForce(true)))
                .isInstanceOf(OutputException.class).hasMessageContaining("is the input models");
    }
}
