package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.testing.Models;
import io.adamerge.testing.NaiveTies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/** Properties of the merges on random small models, written to real files and merged by the executor. */
class MergePropertiesTest {
    private static final MergeExecutor EXECUTOR = MergeExecutor.withDiscoveredMethods();
    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("adamerge-prop");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private record Fixture(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models, Path basePath,
                           List<Path> modelPaths) {
    }

    private Fixture fixture(long seed, int modelCount, DType dtype) {
        Random r = new Random(seed);
        Map<String, FloatTensor> base = Models.random(r, Models.shapes(r), 0.5f);
        List<Map<String, FloatTensor>> models = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        for (int k = 0; k < modelCount; k++) {
            Map<String, FloatTensor> m = Models.fineTuned(r, base, 0.05f);
            models.add(m);
            paths.add(Models.write(dir.resolve("ft" + k + ".safetensors"), m, dtype, Map.of()));
        }
        return new Fixture(base, models, Models.write(dir.resolve("pre.safetensors"), base, dtype, Map.of("format", "pt")),
                paths);
    }

    private Checkpoint merge(String method, Fixture f, Map<String, ?> params, int chunk) {
        Path out = dir.resolve(method + "-" + System.nanoTime() + ".safetensors");
        EXECUTOR.run(MergeJob.of(method, f.basePath(), f.modelPaths(), out).withParameters(params).withChunkElements(chunk));
        return Checkpoint.open(out);
    }

    @Property(tries = 40)
    void lambdaZeroReturnsTheBase(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int models,
                                  @ForAll @IntRange(min = 1, max = 64) int chunk) {
        Fixture f = fixture(seed, models, DType.F32);
        for (String method : List.of("task_arithmetic", "ties", "dare")) {
            try (Checkpoint merged = merge(method, f, Map.of("lambda", 0.0), chunk);
                 Checkpoint base = Checkpoint.open(f.basePath())) {
                for (TensorInfo t : base.tensors()) {
                    assertThat(bytes(merged, t.name())).as("%s %s", method, t.name()).isEqualTo(bytes(base, t.name()));
                }
                assertThat(merged.metadata()).containsEntry("format", "pt");
            }
        }
    }

    @Property(tries = 40)
    void averagingIdenticalModelsReturnsThatModel(@ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int copies,
                                                  @ForAll("floatTypes") DType dtype) {
        Fixture f = fixture(seed, 1, dtype);
        List<Path> same = new ArrayList<>();
        for (int k = 0; k < copies; k++) {
            same.add(f.modelPaths().get(0));
        }
        Path out = dir.resolve("avg.safetensors");
        EXECUTOR.run(MergeJob.of("weight_average", null, same, out).withChunkElements(13));
        try (Checkpoint merged = Checkpoint.open(out); Checkpoint model = Checkpoint.open(f.modelPaths().get(0))) {
            for (TensorInfo t : model.tensors()) {
                assertThat(merged.info(t.name()).dtype()).isEqualTo(t.dtype());
                assertThat(bytes(merged, t.name())).as(t.name()).isEqualTo(bytes(model, t.name()));
            }
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<DType> floatTypes() {
        return net.jqwik.api.Arbitraries.of(DType.F32, DType.F16, DType.BF16);
    }

    @Property(tries = 40)
    void tiesAtDensityOneOnOneModelIsTaskArithmetic(@ForAll long seed, @ForAll @DoubleRange(min = -1, max = 2) double lambda,
                                                   @ForAll boolean global, @ForAll boolean mean) {
        Fixture f = fixture(seed, 1, DType.F32);
        Map<String, Object> ties = Map.of("density", 1.0, "lambda", lambda, "scope", global ? "global" : "per-tensor",
                "merge", mean ? "mean" : "sum");
        try (Checkpoint a = merge("ties", f, ties, 1 << 18);
             Checkpoint b = merge("task_arithmetic", f, Map.of("lambda", lambda), 1 << 18)) {
            for (TensorInfo t : a.tensors()) {
                assertThat(bytes(a, t.name())).as(t.name()).isEqualTo(bytes(b, t.name()));
            }
        }
    }

    @Property(tries = 60)
    void streamedTiesEqualsTheInMemoryDefinition(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int models,
                                                 @ForAll @IntRange(min = 1, max = 300) int chunk,
                                                 @ForAll @DoubleRange(min = 0, max = 1) double density,
                                                 @ForAll boolean global, @ForAll boolean mean) {
        Fixture f = fixture(seed, models, DType.F32);
        float lambda = 0.3f;
        Map<String, float[]> expected = global
                ? NaiveTies.global(f.base(), f.models(), density, mean, lambda)
                : NaiveTies.perTensor(f.base(), f.models(), density, mean, lambda);
        Map<String, Object> params = Map.of("density", density, "lambda", 0.3, "scope", global ? "global" : "per-tensor",
                "merge", mean ? "mean" : "sum");
        try (Checkpoint merged = merge("ties", f, params, chunk)) {
            assertHolds(merged, expected);
        }
    }

    @Property(tries = 40)
    void chunkSizeDoesNotChangeAnyMethod(@ForAll long seed, @ForAll @IntRange(min = 1, max = 97) int chunk) {
        Fixture f = fixture(seed, 3, DType.F32);
        List<Map<String, ?>> cases = List.of(Map.of(), Map.of("lambda", 0.3), Map.of("lambda", "0.4"),
                Map.of("drop_rate", 0.5, "seed", 7), Map.of("drop_rate", 0.3, "seed", 3, "merge", "mean"));
        List<String> methods = List.of("weight_average", "task_arithmetic", "ties", "dare", "dare_ties");
        for (int i = 0; i < methods.size(); i++) {
            try (Checkpoint small = merge(methods.get(i), f, cases.get(i), chunk);
                 Checkpoint whole = merge(methods.get(i), f, cases.get(i), 1 << 18)) {
                for (TensorInfo t : whole.tensors()) {
                    assertThat(bytes(small, t.name())).as("%s %s", methods.get(i), t.name())
                            .isEqualTo(bytes(whole, t.name()));
                }
            }
        }
    }

    /**
     * Task vectors that cancel exactly at many entries, with a majority of either sign elsewhere: the entries whose
     * elected sign comes from the majority are merged as the official code does (executor: majority folded into the
     * merge pass and corrected afterwards; reference: the in-memory definition).
     */
    @Property(tries = 60)
    void exactlyCancellingEntriesFollowTheMajority(@ForAll long seed, @ForAll boolean negativeMajority,
                                                   @ForAll boolean mean, @ForAll @IntRange(min = 1, max = 200) int chunk,
                                                   @ForAll @DoubleRange(min = 0.3, max = 1) double density,
                                                   @ForAll boolean directory) {
        Random r = new Random(seed);
        Map<String, long[]> shapes = Models.shapes(r);
        Map<String, FloatTensor> base = new java.util.LinkedHashMap<>();
        Map<String, FloatTensor> a = new java.util.LinkedHashMap<>();
        Map<String, FloatTensor> b = new java.util.LinkedHashMap<>();
        float majority = negativeMajority ? -1 : 1;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (x, y) -> x * y);
            float[] zero = new float[n];
            float[] va = new float[n];
            float[] vb = new float[n];
            for (int i = 0; i < n; i++) {
                float t = (1 + r.nextInt(64)) / 64f;
                if (r.nextInt(3) == 0) {
                    va[i] = t;          // cancels exactly: t + (−t) = 0
                    vb[i] = -t;
                } else {
                    va[i] = majority * t;
                    vb[i] = r.nextInt(4) == 0 ? -majority * t / 2 : majority * t;
                }
            }
            base.put(e.getKey(), new FloatTensor(e.getValue(), zero));
            a.put(e.getKey(), new FloatTensor(e.getValue(), va));
            b.put(e.getKey(), new FloatTensor(e.getValue(), vb));
        }
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        List<Path> models = List.of(Models.write(dir.resolve("a.safetensors"), a), Models.write(dir.resolve("b.safetensors"), b));
        Map<String, float[]> expected = NaiveTies.global(base, List.of(a, b), density, mean, 0.5f);
        // a directory output with tiny shards, so that corrections also land in shards finished earlier
        Path out = directory ? dir.resolve("out") : dir.resolve("out.safetensors");
        EXECUTOR.run(MergeJob.of("ties", pre, models, out).withParameters(Map.of("density", density, "lambda", 0.5,
                "merge", mean ? "mean" : "sum")).withChunkElements(chunk).withShardBytes(500));
        assertHolds(out, expected);
    }

    /**
     * Models large enough for the sampling pass (and its band of exact counts): the streamed result still equals
     * the in-memory definition, and the pass count says whether the band spared the fine pass.
     */
    @Property(tries = 3)
    void sampledThresholdsOnLargerModels(@ForAll long seed, @ForAll boolean mean,
                                         @ForAll @DoubleRange(min = 0.05, max = 0.95) double density) {
        Random r = new Random(seed);
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        shapes.put("a.weight", new long[] {700, 1024});
        shapes.put("b.weight", new long[] {400, 1024});
        shapes.put("c.bias", new long[] {1024});
        TwoModels f = twoModels(r, shapes);
        Map<String, float[]> expected = NaiveTies.global(f.base(), f.models(), density, mean, 0.3f);
        Path out = dir.resolve("out.safetensors");
        MergeResult result = EXECUTOR.run(MergeJob.of("ties", f.pre(), f.paths(), out).withParameters(Map.of("density", density,
                "lambda", 0.3, "merge", mean ? "mean" : "sum")).withChunkElements(1 << 14));
        // sample + banded coarse (+ full coarse + fine when the band missed) + merge
        assertThat(result.passes()).isIn(3, 5);
        net.jqwik.api.statistics.Statistics.collect(result.passes() == 3 ? "band hit" : "band missed");
        assertHolds(out, expected);
    }

    /** A random base of these shapes and two fine-tunes of it (noise 0.01 and 0.03), written under {@code dir}. */
    private record TwoModels(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models, Path pre, List<Path> paths) {
    }

    private TwoModels twoModels(Random r, Map<String, long[]> shapes) {
        Map<String, FloatTensor> base = Models.random(r, shapes, 0.5f);
        List<Map<String, FloatTensor>> models = List.of(Models.fineTuned(r, base, 0.01f), Models.fineTuned(r, base, 0.03f));
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        List<Path> paths = List.of(Models.write(dir.resolve("a.safetensors"), models.get(0)),
                Models.write(dir.resolve("b.safetensors"), models.get(1)));
        return new TwoModels(base, models, pre, paths);
    }

    /** Every tensor of {@code expected} reads back from the merged output bit for bit. */
    private static void assertHolds(Path out, Map<String, float[]> expected) {
        try (Checkpoint merged = Checkpoint.open(out)) {
            assertHolds(merged, expected);
        }
    }

    private static void assertHolds(Checkpoint merged, Map<String, float[]> expected) {
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            assertThat(merged.readFloats(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    static byte[] bytes(Checkpoint c, String name) {
        ByteBuffer b = c.bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Per-tensor scope on a tensor large enough to be sampled (its sample and one full pass give its thresholds), one
     * too small for a sample (coarse and fine passes) and one kept whole (a single pass): the streamed result equals
     * the in-memory definition, on one thread and on three.
     */
    @Property(tries = 2)
    void sampledPerTensorThresholds(@ForAll long seed, @ForAll boolean mean,
                                    @ForAll @DoubleRange(min = 0.05, max = 0.95) double density) {
        Random r = new Random(seed);
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        shapes.put("big.weight", new long[] {1030, 1024});
        shapes.put("mid.weight", new long[] {300, 1024});
        shapes.put("small.bias", new long[] {1024});
        TwoModels f = twoModels(r, shapes);
        Map<String, float[]> expected = NaiveTies.perTensor(f.base(), f.models(), density, mean, 0.3f);
        for (int threads : new int[] {1, 3}) {
            Path out = dir.resolve("out-" + threads + ".safetensors");
            MergeResult result = EXECUTOR.run(MergeJob.of("ties", f.pre(), f.paths(), out).withParameters(Map.of("density",
                    density, "lambda", 0.3, "scope", "per-tensor", "merge", mean ? "mean" : "sum"))
                    .withChunkElements(1 << 14).withThreads(threads));
            // the most passes over one tensor: coarse + fine (mid), or sample + full (+ coarse + fine on a miss), + merge
            assertThat(result.passes()).isBetween(3, 5);
            assertHolds(out, expected);
        }
    }

    static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
