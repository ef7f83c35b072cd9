package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A merge computed once at its scale parameter and rescaled ({@link InMemoryMerge#scalable}) is the plain merge at
 * that value, bit for bit, at every α of the official grid 0.1 … 3.0 (and λ of Task Arithmetic); at α 1.0 and 1.5 it
 * is the authors' TSV-M, Iso-C and Iso-CTS of svd_expected.safetensors within 1e-5.
 */
class ScalableMergeTest {
    static final List<Double> ALPHA_GRID = IntStream.rangeClosed(1, 30).mapToObj(i -> Math.round(i * 0.1 * 10) / 10.0).toList();

    private final InMemoryMerge merger = InMemoryMerge.withDiscoveredMethods();

    static Map<String, FloatTensor> floats(Path file) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(file)) {
            for (TensorInfo t : c.tensors()) {
                if (t.dtype().isFloating()) {
                    out.put(t.name(), FloatTensor.of(c.readFloats(t.name()), t.shape()));
                }
            }
        }
        return out;
    }

    static List<Map<String, FloatTensor>> fineTuned() {
        List<Map<String, FloatTensor>> models = new ArrayList<>();
        Reference.FINE_TUNED.forEach(f -> models.add(floats(f)));
        return models;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tsv_m", "iso_c", "iso_cts"})
    void rescaledSpectralMergesAreThePlainMergesAndTheAuthors(String method) {
        Map<String, FloatTensor> base = floats(Reference.PRE);
        List<Map<String, FloatTensor>> models = fineTuned();
        MergeMethod m = merger.methods().dataFree(method);
        assertThat(m.scaleParameter()).contains("alpha");
        long t0 = System.nanoTime();
        ScalableMerge scalable = merger.scalable(m, MergeParameters.resolve(m, Map.of(), List.of(), models.size()), base, models);
        double once = (System.nanoTime() - t0) / 1e9;
        double plainSeconds = 0;
        for (double alpha : ALPHA_GRID) {
            long p0 = System.nanoTime();
            Map<String, FloatTensor> plain = merger.merge(method, Map.of("alpha", alpha), List.of(), base, models);
            plainSeconds += (System.nanoTime() - p0) / 1e9;
            assertSameBits(scalable.at(alpha), plain, method + " α " + alpha);
        }
        try (Checkpoint expected = Checkpoint.open(SpectralReferenceTest.EXPECTED)) {
            for (String alpha : List.of("1.0", "1.5")) {
                Map<String, FloatTensor> got = scalable.at(Double.parseDouble(alpha));
                String prefix = method + "_" + alpha + "/";
                int compared = 0;
                double worst = 0;
                for (TensorInfo e : expected.tensors()) {
                    if (!e.name().startsWith(prefix)) {
                        continue;
                    }
                    String name = e.name().substring(prefix.length());
                    assertThat(got).as("%s has %s", prefix, name).containsKey(name);
                    float[] want = expected.readFloats(e.name());
                    float[] actual = got.get(name).data();
                    assertThat(actual).hasSameSizeAs(want);
                    for (int i = 0; i < want.length; i++) {
                        double diff = Math.abs((double) actual[i] - want[i]);
                        worst = Math.max(worst, diff);
                        assertThat(diff).as("%s%s[%d]: got %s, expected %s", prefix, name, i, actual[i], want[i]).isLessThanOrEqualTo(1e-5);
                    }
                    compared++;
                }
                assertThat(compared).as("tensors under %s", prefix).isEqualTo(40);
                System.out.printf(Locale.ROOT, "%s rescaled to α %s: largest |difference| to the authors' %.3g%n", method, alpha, worst);
            }
        }
        System.out.printf(Locale.ROOT, "%s on the fixture: decomposition once %.3f s; 30 plain merges %.3f s%n", method, once,
                plainSeconds);
    }

    @Test
    void rescaledTaskArithmeticIsThePlainMergeAndTheReference() {
        Map<String, FloatTensor> base = floats(Reference.PRE);
        List<Map<String, FloatTensor>> models = fineTuned();
        MergeMethod m = merger.methods().dataFree("task_arithmetic");
        assertThat(m.scaleParameter()).contains("lambda");
        ScalableMerge scalable = merger.scalable(m, MergeParameters.resolve(m, Map.of(), List.of(), models.size()), base, models);
        for (double lambda : List.of(0.0, 0.1, 0.3, 0.5, 1.0, -0.7, 2.5)) {
            assertSameBits(scalable.at(lambda), merger.merge("task_arithmetic", Map.of("lambda", lambda), List.of(), base, models),
                    "task_arithmetic λ " + lambda);
        }
        try (Checkpoint expected = Checkpoint.open(Reference.EXPECTED)) {
            Map<String, FloatTensor> got = scalable.at(0.3);
            int compared = 0;
            for (TensorInfo e : expected.tensors()) {
                if (e.name().startsWith("task_arithmetic_0.3/")) {
                    String name = e.name().substring("task_arithmetic_0.3/".length());
                    float[] want = expected.readFloats(e.name());
                    float[] actual = got.get(name).data();
                    for (int i = 0; i < want.length; i++) {
                        assertThat((double) actual[i]).as("%s[%d]", name, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6));
                    }
                    compared++;
                }
            }
            assertThat(compared).isPositive();
        }
    }

    @Test
    void aMethodWithoutAScaleParameterAndAnOutOfRangeScaleAreRefused() {
        Map<String, FloatTensor> base = floats(Reference.PRE);
        List<Map<String, FloatTensor>> models = fineTuned();
        MergeMethod ties = merger.methods().dataFree("ties");
        assertThat(ties.scaleParameter()).isEmpty();
        assertThatThrownBy(() -> merger.scalable(ties, MergeParameters.resolve(ties, Map.of(), List.of(), 3), base, models))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("ties has no scale parameter");
        MergeMethod tsv = merger.methods().dataFree("tsv_m");
        ScalableMerge scalable = merger.scalable(tsv, MergeParameters.resolve(tsv, Map.of(), List.of(), 3), base, models);
        assertThatThrownBy(() -> scalable.at(-0.5)).isInstanceOf(MergeConfigException.class).hasMessageContaining("alpha");
    }

    private static void assertSameBits(Map<String, FloatTensor> actual, Map<String, FloatTensor> expected, String what) {
        assertThat(actual.keySet()).as(what).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, e) -> {
            float[] a = actual.get(name).data();
            float[] x = e.data();
            assertThat(a).as("%s %s", what, name).hasSameSizeAs(x);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(x[i])) {
                    throw new AssertionError(what + " " + name + "[" + i + "]: rescaled " + a[i] + ", plain merge " + x[i]);
                }
            }
        });
    }
}
