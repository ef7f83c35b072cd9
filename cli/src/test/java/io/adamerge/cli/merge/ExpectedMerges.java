package io.adamerge.cli.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.List;

/** The PyTorch merge fixture (../shared/reference/merge_*) and the 1e-6 relative comparison. */
final class ExpectedMerges {
    static final Path DIR = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference")
            .toAbsolutePath().normalize();
    static final Path PRE = DIR.resolve("merge_pre.safetensors");
    static final List<Path> FINE_TUNED = List.of(DIR.resolve("merge_ft_0.safetensors"),
            DIR.resolve("merge_ft_1.safetensors"), DIR.resolve("merge_ft_2.safetensors"));
    static final Path EXPECTED = DIR.resolve("merge_expected.safetensors");
    static final String POSITION_IDS = "vision_model.embeddings.position_ids";

    private ExpectedMerges() {
    }

    /** Every floating tensor under {@code prefix/} equals the output's to 1e-6 relative (floored at 1e-6 of the tensor's scale). */
    static void assertMatches(Checkpoint actual, String prefix) {
        int compared = 0;
        try (Checkpoint expected = Checkpoint.open(EXPECTED)) {
            for (TensorInfo e : expected.tensors()) {
                if (!e.name().startsWith(prefix + "/")) {
                    continue;
                }
                String name = e.name().substring(prefix.length() + 1);
                float[] want = expected.readFloats(e.name());
                float[] got = actual.readFloats(name);
                assertThat(got).as(name).hasSize(want.length);
                float scale = 0;
                for (float w : want) {
                    scale = Math.max(scale, Math.abs(w));
                }
                for (int i = 0; i < want.length; i++) {
                    double tolerance = 1e-6 * Math.max(Math.abs(want[i]), 1e-6 * scale);
                    assertThat((double) got[i]).as("%s/%s[%d]", prefix, name, i)
                            .isCloseTo(want[i], org.assertj.core.data.Offset.offset(tolerance));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(40);
        try (Checkpoint pre = Checkpoint.open(PRE)) {
            assertThat(actual.file(POSITION_IDS).readLongs(POSITION_IDS))
                    .containsExactly(pre.file(POSITION_IDS).readLongs(POSITION_IDS));
            assertThat(actual.info(POSITION_IDS).dtype()).isEqualTo(pre.info(POSITION_IDS).dtype());
        }
    }
}
