package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TSV-M, Iso-C and Iso-CTS of svd_expected.safetensors (computed by the authors' own functions on the merge
 * fixture), reproduced through the API within 1e-5 per element.
 */
class SpectralReferenceTest {
    static final Path EXPECTED = Reference.DIR.resolve("svd_expected.safetensors");
    static final double TOLERANCE = 1e-6; // the issue asks 1e-5; 1.5e-8 (F32 rounding) is measured

    @TempDir
    Path tmp;

    static Stream<Arguments> expectedMerges() {
        return Stream.of("tsv_m", "iso_c", "iso_cts").flatMap(m -> Stream.of("1.0", "1.5")
                .map(alpha -> Arguments.of(m, alpha)));
    }

    @ParameterizedTest(name = "{0} alpha {1}")
    @MethodSource("expectedMerges")
    void reproducesTheAuthorsMerge(String method, String alpha) {
        Path out = tmp.resolve(method + alpha + ".safetensors");
        MergeExecutor.withDiscoveredMethods().run(MergeJob.of(method, Reference.PRE, Reference.FINE_TUNED, out)
                .withParameters(Map.of("alpha", Double.parseDouble(alpha))));
        try (Checkpoint merged = Checkpoint.open(out)) {
            double worst = assertMatches(merged, method + "_" + alpha);
            System.out.printf("%s alpha %s: largest |difference| %.3g%n", method, alpha, worst);
            Reference.assertPositionIdsCarried(merged);
        }
    }

    /** Every expected tensor of the prefix is in the output and agrees within 1e-5; returns the worst difference. */
    static double assertMatches(Checkpoint actual, String prefix) {
        double worst = 0;
        int compared = 0;
        try (Checkpoint expected = Checkpoint.open(EXPECTED)) {
            for (TensorInfo e : expected.tensors()) {
                if (!e.name().startsWith(prefix + "/")) {
                    continue;
                }
                String name = e.name().substring(prefix.length() + 1);
                assertThat(actual.has(name)).as("output has %s", name).isTrue();
                assertThat(actual.info(name).shape()).as("shape of %s", name).containsExactly(e.shape());
                float[] want = expected.readFloats(e.name());
                float[] got = actual.readFloats(name);
                for (int i = 0; i < want.length; i++) {
                    double diff = Math.abs((double) got[i] - want[i]);
                    worst = Math.max(worst, diff);
                    if (!(diff <= TOLERANCE)) {
                        throw new AssertionError(prefix + "/" + name + "[" + i + "]: got " + got[i] + ", expected "
                                + want[i]);
                    }
                }
                compared++;
            }
        }
        assertThat(compared).as("tensors compared under %s", prefix).isEqualTo(40);
        return worst;
    }

    @Test
    void matrixPathIsTheOneTheReferenceNames() throws Exception {
        try (Checkpoint expected = Checkpoint.open(EXPECTED); Checkpoint pre = Checkpoint.open(Reference.PRE)) {
            JsonNode keys = new ObjectMapper().readTree(expected.metadata().get("svd_path_keys"));
            Set<String> svdPath = new HashSet<>();
            keys.forEach(k -> svdPath.add(k.asText()));
            Set<String> ours = new HashSet<>();
            for (TensorInfo t : pre.tensors()) {
                if (t.dtype().isFloating() && t.shape().length == 2 && !t.name().contains("text_projection")) {
                    ours.add(t.name());
                }
            }
            assertThat(ours).isEqualTo(svdPath);
        }
    }
}
