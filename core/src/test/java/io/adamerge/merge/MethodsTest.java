package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.testing.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MethodsTest {
    @TempDir
    Path tmp;

    private final MergeExecutor executor = MergeExecutor.withDiscoveredMethods();

    @Test
    void registryHoldsTheDataFreeMethodsAndTheirAliases() {
        MergeMethods methods = MergeMethods.discover();
        assertThat(methods.names()).contains("weight_average", "task_arithmetic", "ties", "dare", "dare_ties");
        assertThat(methods.get("linear").name()).isEqualTo("weight_average");
        assertThat(methods.get("dare-linear").name()).isEqualTo("dare");
        assertThatThrownBy(() -> methods.get("slerp")).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining("unknown merge method 'slerp'").hasMessageContaining("ties");
    }

    @Test
    void dareDropsAboutPAndRescalesTheRest() {
        Random r = new Random(1);
        Map<String, long[]> shapes = Map.of("w", new long[] {200, 250});
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        Map<String, FloatTensor> ft = Models.fineTuned(r, base, 0.1f);
        Path pre = Models.write(tmp.resolve("pre.safetensors"), base);
        Path m = Models.write(tmp.resolve("ft.safetensors"), ft);
        float[] b = base.get("w").data();
        float[] f = ft.get("w").data();
        for (double p : new double[] {0.1, 0.5, 0.9}) {
            Path out = tmp.resolve("dare-" + p + ".safetensors");
            executor.run(MergeJob.of("dare", pre, List.of(m), out).withParameters(Map.of("drop_rate", p, "seed", 42, "lambda", 0.5)));
            try (Checkpoint c = Checkpoint.open(out)) {
                float[] merged = c.readFloats("w");
                int kept = 0;
                int nonZeroTask = 0;
                for (int i = 0; i < merged.length; i++) {
                    float t = f[i] - b[i];
                    if (t == 0) {
                        continue;
                    }
                    nonZeroTask++;
                    if (merged[i] != b[i]) {
                        kept++;
                        assertThat(merged[i]).isEqualTo(b[i] + (float) (0.5 / (1 - p)) * t);
                    }
                }
                double keptFraction = kept / (double) nonZeroTask;
                // 48,000 Bernoulli draws: 5 standard deviations is below 0.012
                assertThat(keptFraction).isCloseTo(1 - p, org.assertj.core.data.Offset.offset(0.012));
            }
        }
        // same seed, same result; another seed, another result
        Path a = tmp.resolve("a.safetensors");
        Path a2 = tmp.resolve("a2.safetensors");
        Path c = tmp.resolve("c.safetensors");
        executor.run(MergeJob.of("dare", pre, List.of(m), a).withParameters(Map.of("drop_rate", 0.5, "seed", 1)));
        executor.run(MergeJob.of("dare", pre, List.of(m), a2).withParameters(Map.of("drop_rate", 0.5, "seed", 1)).withChunkElements(77));
        executor.run(MergeJob.of("dare", pre, List.of(m), c).withParameters(Map.of("drop_rate", 0.5, "seed", 2)));
        try (Checkpoint x = Checkpoint.open(a); Checkpoint y = Checkpoint.open(a2); Checkpoint z = Checkpoint.open(c)) {
            assertThat(x.readFloats("w")).isEqualTo(y.readFloats("w"));
            assertThat(x.readFloats("w")).isNotEqualTo(z.readFloats("w"));
        }
    }

    @Test
    void dareTiesKeepsOnlyEntriesAgreeingWithTheElectedSign() {
        Random r = new Random(3);
        Map<String, long[]> shapes = Map.of("w", new long[] {60, 50});
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        List<Path> paths = new ArrayList<>();
        List<float[]> tvs = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Map<String, FloatTensor> ft = Models.fineTuned(r, base, 0.1f);
            paths.add(Models.write(tmp.resolve("ft" + k + ".safetensors"), ft));
            float[] t = ft.get("w").data().clone();
            for (int i = 0; i < t.length; i++) {
                t[i] -= base.get("w").data()[i];
            }
            tvs.add(t);
        }
        Path pre = Models.write(tmp.resolve("pre.safetensors"), base);
        Path out = tmp.resolve("dt.safetensors");
        // drop rate 0: no randomness, so dare_ties is a sign election over the raw task vectors
        executor.run(MergeJob.of("dare_ties", pre, paths, out).withParameters(Map.of("drop_rate", 0.0)));
        float[] b = base.get("w").data();
        try (Checkpoint c = Checkpoint.open(out)) {
            float[] merged = c.readFloats("w");
            for (int i = 0; i < b.length; i++) {
                float sum = 0;
                for (float[] t : tvs) {
                    sum += t[i];
                }
                float acc = 0;
                for (float[] t : tvs) {
                    if (sum >= 0 ? t[i] > 0 : t[i] < 0) {
                        acc += t[i];
                    }
                }
                assertThat(merged[i]).isEqualTo(b[i] + acc);
            }
        }
    }

    /** A method that reads a per-model auxiliary checkpoint, as Fisher merging will: θ = Σ F_k θ_k / Σ F_k. */
    static final class ImportanceWeighted implements MergeMethod {
        @Override
        public String name() {
            return "importance_weighted";
        }

        @Override
        public String description() {
            return "test method";
        }

        @Override
        public List<MergeParameter> parameters() {
            return List.of(MergeParameter.checkpoint("importance", "per-model importance, same tensors"));
        }

        @Override
        public boolean requiresBase() {
            return false;
        }

        @Override
        public MergeRun prepare(MergeSetup setup) {
            return (chunk, out) -> {
                float[][] f = chunk.extras().get("importance");
                for (int i = 0; i < chunk.count(); i++) {
                    float num = 0;
                    float den = 0;
                    for (int k = 0; k < chunk.modelCount(); k++) {
                        num += f[k][i] * chunk.models()[k][i];
                        den += f[k][i];
                    }
                    out[i] = num / den;
                }
            };
        }
    }

    @Test
    void aMethodCanTakePerModelCheckpointsAsInputs() {
        Random r = new Random(5);
        Map<String, long[]> shapes = new LinkedHashMap<>(Map.of("w", new long[] {5, 7}));
        List<Path> models = new ArrayList<>();
        List<Map<String, Object>> perModel = new ArrayList<>();
        List<Map<String, FloatTensor>> values = new ArrayList<>();
        List<Map<String, FloatTensor>> importance = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Map<String, FloatTensor> m = Models.random(r, shapes, 1f);
            Map<String, FloatTensor> imp = Map.of("w", new FloatTensor(new long[] {5, 7}, positive(r, 35)));
            values.add(m);
            importance.add(imp);
            models.add(Models.write(tmp.resolve("m" + k + ".safetensors"), m));
            Path f = tmp.resolve("f" + k + ".safetensors");
            io.adamerge.checkpoint.SafetensorsWriter.write(f, imp, Map.of());
            perModel.add(Map.of("importance", f.toString()));
        }
        MergeExecutor custom = new MergeExecutor(MergeMethods.discover().with(new ImportanceWeighted()));
        Path out = tmp.resolve("iw.safetensors");
        custom.run(MergeJob.of("importance_weighted", null, models, out).withModelParameters(perModel).withChunkElements(4));
        try (Checkpoint c = Checkpoint.open(out)) {
            float[] got = c.readFloats("w");
            for (int i = 0; i < 35; i++) {
                float num = 0;
                float den = 0;
                for (int k = 0; k < 2; k++) {
                    num += importance.get(k).get("w").data()[i] * values.get(k).get("w").data()[i];
                    den += importance.get(k).get("w").data()[i];
                }
                assertThat(got[i]).isEqualTo(num / den);
            }
            assertThat(c.has(Models.POSITION_IDS)).isTrue();
        }
        // the auxiliary checkpoint is required per model
        assertThatThrownBy(() -> custom.run(MergeJob.of("importance_weighted", null, models, tmp.resolve("x.safetensors"))))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("needs parameter 'importance'");
    }

    private static float[] positive(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.1f + r.nextFloat();
        }
        return v;
    }

    @Test
    void keyAndShapeDifferencesAreNamed() throws Exception {
        Random r = new Random(9);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            shapes.put("t" + i, new long[] {3});
        }
        Map<String, FloatTensor> base = Models.random(r, shapes, 1f);
        Path pre = Models.write(tmp.resolve("pre.safetensors"), base);
        Map<String, FloatTensor> fewer = new LinkedHashMap<>(base);
        fewer.keySet().removeAll(List.of("t1", "t2", "t3", "t4"));
        fewer.put("extra", base.get("t0"));
        Path m = Models.write(tmp.resolve("fewer.safetensors"), fewer);
        Path out = tmp.resolve("out.safetensors");
        assertThatThrownBy(() -> executor.run(MergeJob.of("task_arithmetic", pre, List.of(m), out)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("fewer.safetensors: tensors differ from")
                .hasMessageContaining("missing 4 ('t1', 't2', 't3', ...)")
                .hasMessageContaining("unexpected 1 ('extra')");
        assertThat(out).doesNotExist();
        assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().startsWith(".")).count()).isZero();
    }

    @Test
    void carriedAndEmptyTensorsKeepTheirPlaces() {
        List<io.adamerge.checkpoint.TensorSpec> specs = List.of(
                new io.adamerge.checkpoint.TensorSpec("ids", io.adamerge.checkpoint.DType.I32, new long[] {3}),
                new io.adamerge.checkpoint.TensorSpec("empty", io.adamerge.checkpoint.DType.F32, new long[] {0, 4}),
                new io.adamerge.checkpoint.TensorSpec("w", io.adamerge.checkpoint.DType.BF16, new long[] {5}),
                new io.adamerge.checkpoint.TensorSpec("mask", io.adamerge.checkpoint.DType.BOOL, new long[] {2}),
                new io.adamerge.checkpoint.TensorSpec("v", io.adamerge.checkpoint.DType.F16, new long[] {2}));
        List<Path> files = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Path p = tmp.resolve("m" + k + ".safetensors");
            try (io.adamerge.checkpoint.SafetensorsWriter w = new io.adamerge.checkpoint.SafetensorsWriter(p, specs, Map.of())) {
                w.writeBytes(java.nio.ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}));
                w.writeFloats(new float[] {k, k + 1, k + 2, k + 3, k + 4});
                w.writeBytes(java.nio.ByteBuffer.wrap(new byte[] {1, 0}));
                w.writeFloats(new float[] {0.5f * k, -k});
                w.commit();
            }
            files.add(p);
        }
        Path out = tmp.resolve("ta.safetensors");
        executor.run(MergeJob.of("task_arithmetic", files.get(0), files.subList(1, 3), out).withChunkElements(2));
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.names()).containsExactly("ids", "empty", "w", "mask", "v");
            assertThat(c.file("ids").readLongs("ids")).containsExactly(1, 2, 3);
            assertThat(c.file("mask").readLongs("mask")).containsExactly(1, 0);
            assertThat(c.info("w").dtype()).isEqualTo(io.adamerge.checkpoint.DType.BF16);
            assertThat(c.readFloats("w")).containsExactly(3, 4, 5, 6, 7);
            assertThat(c.readFloats("v")).containsExactly(1.5f, -3f);
            assertThat(c.info("empty").shape()).containsExactly(0, 4);
        }
    }
}
