package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
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

/**
 * Task Arithmetic's kernels add several models per loop: every merged element must keep the bits of adding the
 * task vectors one by one, (((0 + λ_1 T_1) + λ_2 T_2) + …), for any number of models, shared or per-model λ; and an
 * input's NaN or ±Inf, which the merge finds behind a non-finite result, is reported as scanning the inputs does.
 */
class TaskArithmeticBitsTest {
    private static final int N = 1000;

    @TempDir
    Path dir;

    @Test
    void everyModelCountKeepsTheBitsOfOneModelAtATime() {
        Random r = new Random(11);
        float[] base = values(r, N);
        Path pre = write("pre", base);
        List<float[]> models = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            float[] m = values(r, N);
            for (int i = 0; i < N; i += 7) {
                m[i] = base[i]; // zero task vectors, where 0 + (-0) and 0 + 0 differ in sign from a plain sum
            }
            models.add(m);
            paths.add(write("ft" + k, m));
        }
        for (int count = 1; count <= 9; count++) {
            float[] shared = {0.3f};
            float[] perModel = new float[count];
            List<Map<String, Object>> perModelParams = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                perModel[k] = k == 1 ? 0f : -0.7f + 0.37f * k;
                perModelParams.add(Map.of("lambda", (double) perModel[k]));
            }
            for (int chunk : new int[] {N, 333}) {
                Path out = dir.resolve("shared-" + count + "-" + chunk + ".safetensors");
                MergeExecutor.withDiscoveredMethods().run(MergeJob.of("task_arithmetic", pre, paths.subList(0, count), out)
                        .withParameters(Map.of("lambda", 0.3)).withChunkElements(chunk));
                assertBits(out, expected(base, models.subList(0, count), shared), "shared λ, " + count + " models");
                Path outScaled = dir.resolve("scaled-" + count + "-" + chunk + ".safetensors");
                MergeExecutor.withDiscoveredMethods().run(MergeJob.of("task_arithmetic", pre, paths.subList(0, count),
                        outScaled).withModelParameters(perModelParams).withChunkElements(chunk));
                // one model: a single λ, which the shared formula serves
                assertBits(outScaled, expected(base, models.subList(0, count), perModel),
                        "per-model λ, " + count + " models");
            }
        }
    }

    @Test
    void aNonFiniteInputIsReportedAsTheScanReportsIt() {
        Random r = new Random(12);
        Path pre = write("pre", values(r, N));
        float[] m0 = values(r, N);
        float[] m1 = values(r, N);
        float[] m2 = values(r, N);
        m1[500] = Float.POSITIVE_INFINITY;
        m2[400] = Float.NaN;
        m2[3] = Float.NEGATIVE_INFINITY;
        List<Path> models = List.of(write("a", m0), write("b", m1), write("c", m2));
        // the whole tensor in one chunk: the base, then each model in order, is scanned, so model b's +Inf first
        assertFails(pre, models, 0.0, N, models.get(1), "holds Infinity at element 500");
        // chunks of 450: model c's -Inf at element 3 is in the first chunk
        assertFails(pre, models, 0.3, 450, models.get(2), "holds -Infinity at element 3");
        // a NaN in the base
        float[] base = values(r, N);
        base[777] = Float.NaN;
        Path nanBase = write("nan-base", base);
        assertFails(nanBase, models.subList(0, 1), 1.0, 256, nanBase, "holds NaN at element 777");
    }

    private void assertFails(Path pre, List<Path> models, double lambda, int chunk, Path culprit, String message) {
        Path out = dir.resolve("failed.safetensors");
        assertThatThrownBy(() -> MergeExecutor.withDiscoveredMethods().run(MergeJob.of("task_arithmetic", pre, models, out)
                .withParameters(Map.of("lambda", lambda)).withChunkElements(chunk)))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(culprit + ": tensor 'w' " + message + " (pass --allow-nonfinite to merge anyway)");
        assertThat(out).doesNotExist();
    }

    /** θ_pre + Σ λ_k T_k one model at a time, as the official code adds them (shared λ: θ_pre + λ · Σ T_k). */
    private static float[] expected(float[] base, List<float[]> models, float[] lambda) {
        float[] out = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            float sum = 0f;
            for (int k = 0; k < models.size(); k++) {
                float t = models.get(k)[i] - base[i];
                sum += lambda.length == 1 ? t : lambda[k] * t;
            }
            out[i] = lambda.length == 1 ? base[i] + lambda[0] * sum : sum + base[i];
        }
        return out;
    }

    private static void assertBits(Path merged, float[] want, String what) {
        try (Checkpoint c = Checkpoint.open(merged)) {
            float[] got = c.readFloats("w");
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("%s: element %d (%s vs %s)", what, i, got[i], want[i])
                        .isEqualTo(Float.floatToRawIntBits(want[i]));
            }
        }
    }

    private static float[] values(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (r.nextFloat() - 0.5f) * (i % 3 == 0 ? 1e-3f : 1f);
        }
        return v;
    }

    private Path write(String name, float[] w) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put("w", new FloatTensor(new long[] {w.length}, w));
        return Models.write(dir.resolve(name + ".safetensors"), tensors);
    }
}
