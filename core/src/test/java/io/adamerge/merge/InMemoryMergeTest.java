package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.testing.Models;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every data-free method computes the same bits in memory as streamed from files: one implementation, two executors. */
class InMemoryMergeTest {
    @TempDir
    Path tmp;

    private final MergeMethods registry = MergeMethods.discover();

    /** Parameter sets per method beyond the defaults (non-default values exercise the other code paths). */
    private static List<Map<String, Object>> variants(String method) {
        return switch (method) {
            case "task_arithmetic" -> List.of(Map.of(), Map.of("lambda", 0.3));
            case "ties" -> List.of(Map.of("lambda", 0.3), Map.of("merge", "mean", "density", 0.5),
                    Map.of("scope", "per-tensor", "lambda", 0.7));
            case "dare" -> List.of(Map.of("seed", 3, "lambda", 0.3), Map.of("consensus", "ties", "drop_rate", 0.5));
            case "dare_ties" -> List.of(Map.of("lambda", 0.3));
            default -> List.of(Map.of());
        };
    }

    @Test
    void everyDataFreeMethodComputesTheSameBitsInMemoryAsStreamed() {
        Random r = new Random(7);
        int compared = 0;
        for (int trial = 0; trial < 2; trial++) {
            Map<String, long[]> shapes = Models.shapes(r);
            Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
            List<Map<String, FloatTensor>> models = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                models.add(Models.fineTuned(r, base, 0.05f));
                files.add(Models.write(tmp.resolve("t" + trial + "-m" + k + ".safetensors"), models.get(k)));
            }
            Path pre = Models.write(tmp.resolve("t" + trial + "-pre.safetensors"), base);
            for (int chunk : new int[] {64, MergeJob.DEFAULT_CHUNK_ELEMENTS}) {
                InMemoryMerge inMemory = new InMemoryMerge(registry, chunk);
                MergeExecutor streamed = new MergeExecutor(registry);
                for (MergeMethodInfo info : registry.ofKind(MergeMethodInfo.Kind.DATA_FREE)) {
                    if (chunk != MergeJob.DEFAULT_CHUNK_ELEMENTS && !((MergeMethod) info).elementwise()) {
                        continue; // whole-tensor methods see whole tensors whatever the chunk size
                    }
                    for (Map<String, Object> params : variants(info.name())) {
                        Path out = tmp.resolve("t" + trial + "-" + chunk + "-" + info.name() + "-" + compared + ".safetensors");
                        streamed.run(MergeJob.of(info.name(), pre, files, out).withParameters(params).withChunkElements(chunk));
                        Map<String, FloatTensor> memory = inMemory.merge(info.name(), params, List.of(), base, models);
                        try (Checkpoint c = Checkpoint.open(out)) {
                            assertThat(memory.keySet()).as(info.name()).containsExactlyElementsOf(shapes.keySet());
                            for (String name : shapes.keySet()) {
                                float[] expected = c.readFloats(name);
                                float[] actual = memory.get(name).data();
                                for (int i = 0; i < expected.length; i++) {
                                    assertThat(Float.floatToRawIntBits(actual[i]))
                                            .as("%s %s %s element %d (chunk %d)", info.name(), params, name, i, chunk)
                                            .isEqualTo(Float.floatToRawIntBits(expected[i]));
                                }
                            }
                        }
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(2 * registry.ofKind(MergeMethodInfo.Kind.DATA_FREE).size());
    }

    @Test
    void inputsAreLeftUntouchedAndBadInputsNamed() {
        Random r = new Random(3);
        Map<String, FloatTensor> base = Models.random(r, Models.shapes(r), 1f);
        Map<String, FloatTensor> ft = Models.fineTuned(r, base, 0.1f);
        Map<String, float[]> before = new LinkedHashMap<>();
        ft.forEach((k, v) -> before.put(k, v.data().clone()));
        InMemoryMerge merge = new InMemoryMerge(registry);
        merge.merge("ties", Map.of("lambda", 0.3), List.of(), base, List.of(ft, ft));
        ft.forEach((k, v) -> assertThat(v.data()).isEqualTo(before.get(k)));

        assertThatThrownBy(() -> merge.merge("task_arithmetic", Map.of(), List.of(), null, List.of(ft)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("needs a base");
        Map<String, FloatTensor> missing = new LinkedHashMap<>(ft);
        missing.remove("layer.0.bias");
        assertThatThrownBy(() -> merge.merge("task_arithmetic", Map.of(), List.of(), base, List.of(ft, missing)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("model 2 has no tensor 'layer.0.bias'");
        Map<String, FloatTensor> nan = new LinkedHashMap<>(ft);
        float[] v = ft.get("layer.0.bias").data().clone();
        v[0] = Float.NaN;
        nan.put("layer.0.bias", new FloatTensor(ft.get("layer.0.bias").shape(), v));
        assertThatThrownBy(() -> merge.merge("weight_average", Map.of(), List.of(), null, List.of(ft, nan)))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("model 2: tensor 'layer.0.bias' holds NaN");
    }

    @Test
    void theRegistryListsEveryKindWithWhatItNeeds() {
        assertThat(registry.get("ties").kind()).isEqualTo(MergeMethodInfo.Kind.DATA_FREE);
        assertThat(registry.get("ties").needs()).isEqualTo(Needs.NOTHING);
        assertThatThrownBy(() -> registry.get("ties", TestTimeMethod.class, "it learns nothing"))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("ties is a data-free method; it learns nothing");
    }
}
