package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import io.adamerge.model.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fisher and RegMean in the merge registry and through {@link DataMergeExecutor}, on the reference fixture. */
class DataMergeExecutorTest {
    private static final String POSITION_IDS = "vision_model.embeddings.position_ids";

    @TempDir
    Path tmp;

    private final DataMergeExecutor executor = DataMergeExecutor.withDiscoveredMethods();

    private static List<DataMergeJob.TaskModel> fixtureModels(boolean withHeads) {
        List<DataMergeJob.TaskModel> models = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            models.add(new DataMergeJob.TaskModel(Fixture.DIR.resolve("merge_ft_" + k + ".safetensors"),
                    withHeads ? Fixture.DIR.resolve("ada_head_" + k + ".safetensors") : null,
                    Fixture.DIR.resolve("ada_images_" + k + ".safetensors")));
        }
        return models;
    }

    private DataMergeJob job(String method, List<DataMergeJob.TaskModel> models, Map<String, ?> parameters, Path out) {
        return DataMergeJob.of(method, null, models, out).withParameters(parameters).withVisionConfig(Fixture.CONFIG);
    }

    private static List<String> names(MergeMethodInfo m) {
        return m.parameters().stream().map(MergeParameter::name).toList();
    }

    @Test
    void registryListsFisherAndRegMeanWithTheirParametersBesideTheDataFreeMethods() {
        MergeMethods methods = MergeMethods.discover();
        assertThat(methods.names()).contains("weight_average", "ties", "fisher", "regmean");
        MergeMethodInfo fisher = methods.get("fisher");
        MergeMethodInfo regmean = methods.get("RegMean");
        assertThat(fisher).isInstanceOf(DataDrivenMethod.class);
        assertThat(((DataDrivenMethod) fisher).needsHeads()).isTrue();
        assertThat(((DataDrivenMethod) regmean).needsHeads()).isFalse();
        assertThat(fisher.requiresBase()).isFalse();
        assertThat(names(fisher)).containsExactly("samples", "seed", "floor");
        assertThat(names(regmean)).containsExactly("samples", "alpha", "seed", "batch_size", "patch_embedding");
        assertThat(regmean.parameters().get(1).defaultValue()).isEqualTo(0.9);
        assertThat(fisher.parameters().get(0).defaultValue()).isEqualTo(256L);
        // the data-free executor refuses them with what they need
        assertThatThrownBy(() -> MergeExecutor.withDiscoveredMethods().run(
                MergeJob.of("fisher", null, List.of(Fixture.DIR.resolve("merge_ft_0.safetensors")), tmp.resolve("x.safetensors"))))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("fisher runs the models on data")
                .hasMessageContaining("head");
        assertThatThrownBy(() -> executor.method("ties")).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining("ties is data-free");
    }

    @Test
    void regMeanThroughTheExecutorIsTheLibraryCallBitForBit() throws IOException {
        Path out = tmp.resolve("regmean.safetensors");
        DataMergeResult result = executor.run(job("regmean", fixtureModels(false), Map.of("samples", 6, "seed", 3), out));
        assertThat(result.output()).isEqualTo(out);
        try (NDManager m = TorchRuntime.newManager();
             Checkpoint written = Checkpoint.open(out);
             Checkpoint pre = Checkpoint.open(Fixture.DIR.resolve("merge_pre.safetensors"))) {
            DataMergeInput input = Fixture.input(m, 0, 1, 2);
            Map<String, NDArray> expected = new RegMean(new RegMean.Settings(6, 0.9, 32, 3, true)).merge(input, m);
            assertThat(result.mergedTensors()).isEqualTo(expected.size());
            for (Map.Entry<String, NDArray> e : expected.entrySet()) {
                assertThat(written.readFloats(e.getKey())).as(e.getKey()).containsExactly(e.getValue().toFloatArray());
            }
            // a merge, not a copy of one model
            assertThat(Fixture.maxRelDiff(expected, Fixture.finetuned(0, m).weights())).isGreaterThan(1e-3);
            assertThat(written.file(POSITION_IDS).readLongs(POSITION_IDS)).containsExactly(pre.file(POSITION_IDS).readLongs(POSITION_IDS));
            Map<String, String> meta = written.metadata();
            assertThat(meta).containsEntry("adamerge.method", "regmean")
                    .containsEntry("adamerge.models", "[\"merge_ft_0.safetensors\",\"merge_ft_1.safetensors\",\"merge_ft_2.safetensors\"]")
                    .containsEntry("adamerge.data", "[\"ada_images_0.safetensors\",\"ada_images_1.safetensors\",\"ada_images_2.safetensors\"]");
            JsonNode params = new ObjectMapper().readTree(meta.get("adamerge.parameters"));
            assertThat(params.get("samples").asLong()).isEqualTo(6);
            assertThat(params.get("alpha").asDouble()).isEqualTo(0.9);
            assertThat(params.get("seed").asLong()).isEqualTo(3);
            assertThat(params.get("patch_embedding").asText()).isEqualTo("regmean");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("regmean.safetensors");
        }
    }

    @Test
    void fisherThroughTheExecutorIsTheLibraryCallBitForBit() {
        Path out = tmp.resolve("fisher.safetensors");
        executor.run(job("fisher", fixtureModels(true), Map.of("samples", "3", "seed", 1), out));
        try (NDManager m = TorchRuntime.newManager(); Checkpoint written = Checkpoint.open(out)) {
            Map<String, NDArray> expected = new FisherMerging(new FisherMerging.Settings(3, 1, 1e-8f)).merge(Fixture.input(m, 0, 1, 2), m);
            for (Map.Entry<String, NDArray> e : expected.entrySet()) {
                assertThat(written.readFloats(e.getKey())).as(e.getKey()).containsExactly(e.getValue().toFloatArray());
            }
            assertThat(written.metadata()).containsEntry("adamerge.method", "fisher")
                    .containsEntry("adamerge.heads", "[\"ada_head_0.safetensors\",\"ada_head_1.safetensors\",\"ada_head_2.safetensors\"]");
        }
    }

    @Test
    void missingDataOrHeadNamesTheModelAndWritesNothing() {
        List<DataMergeJob.TaskModel> noData = new ArrayList<>(fixtureModels(true));
        DataMergeJob.TaskModel second = noData.get(1);
        noData.set(1, new DataMergeJob.TaskModel(second.model(), second.head(), null));
        Path out = tmp.resolve("out.safetensors");
        assertThatThrownBy(() -> executor.run(job("regmean", noData, Map.of(), out))).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining("regmean needs data for every model").hasMessageContaining("model 2 (")
                .hasMessageContaining("merge_ft_1.safetensors");

        List<DataMergeJob.TaskModel> noHead = new ArrayList<>(fixtureModels(true));
        DataMergeJob.TaskModel third = noHead.get(2);
        noHead.set(2, new DataMergeJob.TaskModel(third.model(), null, third.data()));
        assertThatThrownBy(() -> executor.run(job("fisher", noHead, Map.of(), out))).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining("fisher needs the classification head of every model").hasMessageContaining("model 3 (");

        assertThatThrownBy(() -> executor.run(job("fisher", fixtureModels(true), Map.of("lambda", 0.3), out)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("unknown parameter 'lambda'")
                .hasMessageContaining("samples, seed, floor");
        assertThatThrownBy(() -> executor.run(job("regmean", fixtureModels(false), Map.of("alpha", 1.5), out)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("'alpha'").hasMessageContaining("outside [0.0, 1.0]");
        assertThatThrownBy(() -> executor.run(job("regmean", fixtureModels(false), Map.of("samples", 0), out)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("'samples'");
        assertThat(tmp.toFile().list()).isEmpty();
    }
}
