package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.testing.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/** A streaming merge writes the same bytes on one thread as on several, for every data-free method. */
class ThreadCountTest {
    private static final MergeExecutor EXECUTOR = MergeExecutor.withDiscoveredMethods();
    /** Every data-free method, with parameters that exercise its branches (seeds, per-model values, scopes). */
    private static final List<Case> CASES = List.of(
            new Case("weight_average", Map.of(), List.of()),
            new Case("weight_average", Map.of(), perModel("weight", 1, 2, 5)),
            new Case("task_arithmetic", Map.of("lambda", 0.3), List.of()),
            new Case("task_arithmetic", Map.of(), perModel("lambda", 0.2, 0.5, 0.9)),
            new Case("ties", Map.of("density", 0.3, "lambda", 0.7), List.of()),
            new Case("ties", Map.of("merge", "mean"), perModel("density", 0.2, 0.6, 0.9)),
            new Case("ties", Map.of("density", 0.4, "scope", "per-tensor"), List.of()),
            new Case("ties", Map.of("density", 0.5, "scope", "per-tensor", "merge", "mean"), List.of()),
            new Case("dare", Map.of("drop_rate", 0.5, "seed", 7), List.of()),
            new Case("dare", Map.of("drop_rate", 0.3, "seed", 11, "lambda", 0.6), List.of()),
            new Case("dare_ties", Map.of("drop_rate", 0.3, "seed", 3, "merge", "mean"), List.of()),
            new Case("tsv_m", Map.of(), List.of()),
            new Case("iso_c", Map.of("alpha", 1.3), List.of()),
            new Case("iso_cts", Map.of(), List.of()));

    private record Case(String method, Map<String, ?> params, List<Map<String, ?>> perModel) {
    }

    private static List<Map<String, ?>> perModel(String name, double... values) {
        List<Map<String, ?>> out = new ArrayList<>();
        for (double v : values) {
            out.add(Map.of(name, v));
        }
        return out;
    }

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("adamerge-threads");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 12)
    void oneThreadAndFourWriteTheSameBytes(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int chunk,
                                           @ForAll boolean halfPrecision) {
        Random r = new Random(seed);
        DType dtype = halfPrecision ? (r.nextBoolean() ? DType.F16 : DType.BF16) : DType.F32;
        Map<String, FloatTensor> base = Models.random(r, Models.shapes(r), 0.5f);
        Path pre = Models.write(dir.resolve("pre.safetensors"), base, dtype, Map.of("format", "pt"));
        List<Path> models = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            models.add(Models.write(dir.resolve("ft" + k + ".safetensors"), Models.fineTuned(r, base, 0.05f), dtype,
                    Map.of()));
        }
        for (Case c : CASES) {
            assertSameBytes(c.method(), c.params(), c.perModel(), pre, models, chunk);
        }
    }

    /** Large enough for Ties' sampling pass and its band of exact counts, split among the threads' partials. */
    @Example
    void sampledTiesThresholdsDoNotDependOnTheThreads() {
        Random r = new Random(42);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("a.weight", new long[] {700, 1024});
        shapes.put("b.weight", new long[] {400, 1024});
        shapes.put("c.bias", new long[] {1024});
        Map<String, FloatTensor> base = Models.random(r, shapes, 0.5f);
        Path pre = Models.write(dir.resolve("pre.safetensors"), base);
        List<Path> models = List.of(Models.write(dir.resolve("a.safetensors"), Models.fineTuned(r, base, 0.01f)),
                Models.write(dir.resolve("b.safetensors"), Models.fineTuned(r, base, 0.03f)));
        for (double density : new double[] {0.1, 0.5, 0.93}) {
            assertSameBytes("ties", Map.of("density", density, "lambda", 0.3), List.of(), pre, models, 1 << 12);
        }
    }

    private void assertSameBytes(String method, Map<String, ?> params, List<Map<String, ?>> perModel, Path pre,
                                 List<Path> models, int chunk) {
        Path one = dir.resolve("one.safetensors");
        Path four = dir.resolve("four.safetensors");
        MergeJob job = MergeJob.of(method, pre, models, one).withParameters(params).withModelParameters(perModel)
                .withChunkElements(chunk);
        EXECUTOR.run(job.withThreads(1));
        EXECUTOR.run(job.withOutput(four).withThreads(4));
        try {
            assertThat(Files.readAllBytes(four)).as("%s %s %s, chunk %d", method, params, perModel, chunk)
                    .isEqualTo(Files.readAllBytes(one));
            Files.delete(one);
            Files.delete(four);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
