package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.data.DataException;
import io.adamerge.merge.MergeMethods;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defects 3, 8 and 9 (inputs): every tensor entering a computation is finite and well-shaped, or the file
 * and tensor are named; Fisher and RegMean never write a NaN model.
 */
class InputPolicyTest {
    @TempDir
    Path dir;

    /** A copy of a fixture file with one element of a floating tensor replaced. */
    private Path withValue(String fixture, String tensor, int element, float value) {
        Path target = dir.resolve("bad_" + fixture);
        try (Checkpoint c = Checkpoint.open(Fixture.DIR.resolve(fixture))) {
            List<TensorSpec> specs = new ArrayList<>();
            c.tensors().forEach(t -> specs.add(TensorSpec.of(t)));
            try (SafetensorsWriter w = new SafetensorsWriter(target, specs, c.metadata())) {
                for (TensorInfo t : c.tensors()) {
                    if (t.name().equals(tensor)) {
                        float[] v = c.readFloats(t.name());
                        v[element] = value;
                        w.writeFloats(v);
                    } else {
                        w.writeBytes(c.bytes(t.name()));
                    }
                }
                w.commit();
            }
        }
        return target;
    }

    private List<DataMergeJob.TaskModel> tasks(Path head1, Path images1) {
        List<DataMergeJob.TaskModel> models = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            models.add(new DataMergeJob.TaskModel(Fixture.DIR.resolve("merge_ft_" + k + ".safetensors"),
                    k == 1 ? head1 : Fixture.DIR.resolve("ada_head_" + k + ".safetensors"),
                    k == 1 ? images1 : Fixture.DIR.resolve("ada_images_" + k + ".safetensors")));
        }
        return models;
    }

    private void run(String method, List<DataMergeJob.TaskModel> models, Path out) {
        DataMergeJob job = DataMergeJob.of(method, null, models, out).withParameters(Map.of("samples", "4"))
                .withVisionConfig(Fixture.CONFIG);
        new DataMergeExecutor(MergeMethods.discover()).run(job);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fisher", "regmean"})
    void oneNanPixelIsRefusedNamingTheFileAndImage(String method) {
        Path images = withValue("ada_images_1.safetensors", "pixel_values", 3 * 32 * 32 + 5, Float.NaN);
        Path out = dir.resolve("merged.safetensors");
        assertThatThrownBy(() -> run(method, tasks(Fixture.DIR.resolve("ada_head_1.safetensors"), images), out))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(images.toString()).hasMessageContaining("'pixel_values' holds NaN in image 1");
        assertThat(out).doesNotExist();
    }

    @Test
    void anInfiniteHeadIsRefusedByFisherNamingTheFileAndTensor() {
        Path head = withValue("ada_head_1.safetensors", "weight", 7, Float.POSITIVE_INFINITY);
        Path out = dir.resolve("merged.safetensors");
        assertThatThrownBy(() -> run("fisher", tasks(head, Fixture.DIR.resolve("ada_images_1.safetensors")), out))
                .hasMessageContaining(head.toString()).hasMessageContaining("head tensor 'weight' holds Infinity at element 7");
        assertThat(out).doesNotExist();
    }

    @Test
    void aHeadWithoutClassesIsRefusedNotAStackTrace() {
        Path head = dir.resolve("empty_head.safetensors");
        SafetensorsWriter.write(head, Map.of("weight", new FloatTensor(new long[] {0, 32}, new float[0])), Map.of());
        try (NDManager m = TorchRuntime.newManager()) {
            assertThatThrownBy(() -> ClassificationHead.load(head, m)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(head.toString()).hasMessageContaining("at least one class");
        }
        Path out = dir.resolve("merged.safetensors");
        assertThatThrownBy(() -> run("fisher", tasks(head, Fixture.DIR.resolve("ada_images_1.safetensors")), out))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("at least one class");
        assertThat(out).doesNotExist();
    }

    @Test
    void aNanWeightIsRefusedWhenTheTowerIsLoaded() {
        Path model;
        try (Checkpoint c = Checkpoint.open(Fixture.DIR.resolve("merge_ft_2.safetensors"))) {
            String tensor = c.tensors().stream().filter(t -> t.dtype().isFloating()).findFirst().orElseThrow().name();
            model = withValue("merge_ft_2.safetensors", tensor, 0, Float.NaN);
            try (NDManager m = TorchRuntime.newManager()) {
                Path finalModel = model;
                assertThatThrownBy(() -> ClipVisionModel.load(finalModel, Fixture.CONFIG, m))
                        .isInstanceOf(CheckpointException.class)
                        .hasMessageContaining(model.toString()).hasMessageContaining("tensor '" + tensor + "' holds NaN");
            }
        }
    }

    @Test
    void nothingFromFiniteInputsIsEverWrittenNonFinite() throws Exception {
        // the writer's own check: a non-finite merged tensor never reaches the disk
        Path out = dir.resolve("m.safetensors");
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded ft = ClipVisionModel.load(Fixture.DIR.resolve("merge_ft_0.safetensors"), Fixture.CONFIG, m);
            Map<String, ai.djl.ndarray.NDArray> merged = new LinkedHashMap<>(ft.weights());
            String name = merged.keySet().iterator().next();
            merged.put(name, merged.get(name).mul(Float.POSITIVE_INFINITY));
            assertThatThrownBy(() -> MergedCheckpoint.write(Fixture.DIR.resolve("merge_ft_0.safetensors"), merged, out, Map.of()))
                    .hasMessageContaining("the merged tensor '" + name + "'").hasMessageContaining("nothing written");
        }
        assertThat(out).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
