package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.taskvector.ModelSet;
import io.adamerge.taskvector.TiesMasks;
import io.adamerge.taskvector.TiesScope;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every merge of merge_expected.safetensors, reproduced through the API. */
class ReferenceMergeTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> expectedMerges() {
        return Stream.of(
                Arguments.of("weight_average", "weight_average", Map.of()),
                Arguments.of("task_arithmetic_0.3", "task_arithmetic", Map.of("lambda", 0.3)),
                Arguments.of("ties_20_sum_0.3", "ties", Map.of("density", 0.2, "lambda", 0.3, "merge", "sum")),
                Arguments.of("ties_20_mean_0.3", "ties", Map.of("density", 0.2, "lambda", 0.3, "merge", "mean")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expectedMerges")
    void reproducesTheReferenceMerge(String prefix, String method, Map<String, Object> params) {
        // a small chunk so that every tensor is streamed in several chunks
        for (int chunk : new int[] {1000, 1 << 18}) {
            Path out = tmp.resolve(prefix + "-" + chunk + ".safetensors");
            MergeJob job = MergeJob.of(method, Reference.PRE, Reference.FINE_TUNED, out).withParameters(params)
                    .withChunkElements(chunk);
            MergeResult result = MergeExecutor.withDiscoveredMethods().run(job);
            assertThat(result.outputFiles()).containsExactly(out.toAbsolutePath().normalize());
            try (Checkpoint merged = Checkpoint.open(out)) {
                double worst = Reference.assertMatches(merged, prefix);
                System.out.printf("%s chunk %d: largest relative difference %.3g%n", prefix, chunk, worst);
                Reference.assertPositionIdsCarried(merged);
                assertThat(merged.metadata()).containsEntry("adamerge.method", method);
            }
        }
    }

    @Test
    void maskedTaskVectorsMatchTheReference() {
        try (ModelSet inputs = ModelSet.open(Reference.PRE, Reference.FINE_TUNED, false);
             Checkpoint expected = Checkpoint.open(Reference.EXPECTED)) {
            TiesMasks masks = TiesMasks.compute(inputs, new double[] {0.2, 0.2, 0.2}, TiesScope.GLOBAL, 777);
            int compared = 0;
            for (TensorInfo t : inputs.floatTensors()) {
                float[][] masked = masks.maskedTaskVectors(t.name());
                for (int k = 0; k < 3; k++) {
                    float[] want = expected.readFloats("ties_masked_task_vector_" + k + "/" + t.name());
                    assertThat(masked[k]).as("masked task vector %d of %s", k, t.name()).isEqualTo(want);
                    compared++;
                }
            }
            assertThat(compared).isEqualTo(3 * inputs.floatTensors().size());
        }
    }

    @Test
    void shardedInputsGiveTheSameMerge() throws Exception {
        // re-shard the base and one model (100 KB shards, index.json) by a weight_average of one model
        Path preDir = tmp.resolve("pre-sharded");
        Path ftDir = tmp.resolve("ft0-sharded");
        MergeExecutor executor = MergeExecutor.withDiscoveredMethods();
        executor.run(MergeJob.of("weight_average", null, java.util.List.of(Reference.PRE), preDir).withShardBytes(100_000));
        executor.run(MergeJob.of("weight_average", null, java.util.List.of(Reference.FINE_TUNED.get(0)), ftDir)
                .withShardBytes(100_000));
        assertThat(preDir.resolve("model.safetensors.index.json")).exists();
        Path out = tmp.resolve("ties-from-shards.safetensors");
        executor.run(MergeJob.of("ties", preDir.resolve("model.safetensors.index.json"),
                        java.util.List.of(ftDir, Reference.FINE_TUNED.get(1), Reference.FINE_TUNED.get(2)), out)
                .withParameters(Map.of("lambda", 0.3)).withChunkElements(999));
        try (Checkpoint merged = Checkpoint.open(out); Checkpoint pre = Checkpoint.open(preDir)) {
            assertThat(pre.files()).hasSizeGreaterThan(1);
            Reference.assertMatches(merged, "ties_20_sum_0.3");
            Reference.assertPositionIdsCarried(merged);
        }
    }
}
