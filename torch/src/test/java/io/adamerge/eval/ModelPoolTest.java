package io.adamerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
import io.adamerge.model.TorchRuntime;
import io.adamerge.testing.TinyZoo;
import io.adamerge.testing.ToyMerge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model pool's merges: the registry's methods in memory give the bits {@code adamerge merge} writes from the same files. */
class ModelPoolTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;

    @BeforeAll
    static void zoo() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
    }

    @Test
    void dataFreeMergesInMemoryEqualTheStreamedMergesOfTheZooFiles() {
        List<String> tasks = TinyZoo.TASKS;
        List<Path> files = tasks.stream().map(tiny::weightsFile).toList();
        MergeExecutor streamed = MergeExecutor.withDiscoveredMethods();
        Map<String, Map<String, Object>> cases = Map.of("task_arithmetic", Map.of("lambda", 0.3), "ties", Map.of("lambda", 0.3, "density", 0.2),
                "weight_average", Map.of(), "dare", Map.of("lambda", 0.3, "seed", 5), "toy", Map.of("lambda", 0.7));
        try (ModelPool pool = ModelPool.of(tiny.zoo()); NDManager m = TorchRuntime.newManager()) {
            for (Map.Entry<String, Map<String, Object>> c : cases.entrySet()) {
                Path out = tmp.resolve(c.getKey() + ".safetensors");
                Path base = c.getKey().equals("weight_average") ? null : tiny.weightsFile(null);
                streamed.run(MergeJob.of(c.getKey(), base, files, out).withParameters(c.getValue()));
                Map<String, NDArray> merged = pool.merge(c.getKey(), c.getValue(), tasks, m);
                try (Checkpoint expected = Checkpoint.open(out)) {
                    assertThat(merged.keySet()).containsExactlyInAnyOrderElementsOf(expected.names());
                    merged.forEach((name, a) -> assertThat(a.toFloatArray()).as(c.getKey() + " " + name)
                            .containsExactly(expected.readFloats(name)));
                }
            }
        }
    }

    @Test
    void toyMethodFromTheTestServiceFileMergesAsWrittenOut() {
        try (ModelPool pool = ModelPool.of(tiny.zoo()); NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> merged = pool.merge("toy", Map.of("lambda", 0.25), TinyZoo.TASKS, m);
            Map<String, NDArray> pre = pool.pretrained();
            for (String name : pre.keySet()) {
                float[] b = pre.get(name).toFloatArray();
                List<float[]> fts = TinyZoo.TASKS.stream().map(t -> pool.finetuned(t).get(name).toFloatArray()).toList();
                float[] actual = merged.get(name).toFloatArray();
                for (int i = 0; i < b.length; i++) {
                    float[] column = new float[fts.size()];
                    for (int k = 0; k < column.length; k++) {
                        column[k] = fts.get(k)[i];
                    }
                    assertThat(actual[i]).isEqualTo(ToyMerge.expected(b[i], column, 0.25f));
                }
            }
        }
    }

    @Test
    void layerWiseCoefficientsScaleEachTensorsTaskVectors() {
        Random r = new Random(2);
        try (ModelPool pool = ModelPool.of(tiny.zoo()); NDManager m = TorchRuntime.newManager()) {
            List<String> tasks = List.of("mnist", "kana-10");
            Map<String, NDArray> pre = pool.pretrained();
            double[][] lambdas = new double[2][pre.size()];
            for (double[] row : lambdas) {
                for (int l = 0; l < row.length; l++) {
                    row[l] = r.nextDouble();
                }
            }
            Map<String, NDArray> merged = pool.layerWise(tasks, lambdas, m);
            int l = 0;
            for (String name : pre.keySet()) {
                float[] b = pre.get(name).toFloatArray();
                float[] t0 = pool.taskVector("mnist").get(name).toFloatArray();
                float[] t1 = pool.taskVector("kana-10").get(name).toFloatArray();
                float[] actual = merged.get(name).toFloatArray();
                for (int i = 0; i < b.length; i++) {
                    // task arithmetic with one λ per model: Σ_k λ_k T_k first, then the base
                    float expected = (0f + (float) lambdas[0][l] * t0[i] + (float) lambdas[1][l] * t1[i]) + b[i];
                    assertThat(actual[i]).as(name).isEqualTo(expected);
                }
                l++;
            }

            // learnt coefficients are clamped to [0, 1] as AdaMerging merges; task-wise ones apply to every tensor
            List<String> keys = new ArrayList<>(pre.keySet());
            Coefficients c = new Coefficients(Granularity.TASK, keys, 2, new float[] {1.5f, 0.25f}, 0, null);
            Map<String, NDArray> viaCoefficients = pool.merge(tasks, c, m);
            double[][] constant = new double[2][keys.size()];
            java.util.Arrays.fill(constant[0], 1.0);
            java.util.Arrays.fill(constant[1], 0.25);
            Map<String, NDArray> expected = pool.layerWise(tasks, constant, m);
            keys.forEach(k -> assertThat(viaCoefficients.get(k).toFloatArray()).containsExactly(expected.get(k).toFloatArray()));

            assertThatThrownBy(() -> pool.layerWise(tasks, new double[][] {{0.1}, {0.2}}, m)).hasMessageContaining("1 entries for");
            assertThatThrownBy(() -> pool.merge("task_arithmetic", Map.of(), List.of("nope"), m)).hasMessageContaining("no task 'nope'");
        }
    }
}
