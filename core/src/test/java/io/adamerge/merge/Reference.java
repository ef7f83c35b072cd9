package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.List;

/** The PyTorch merge fixture of ../shared/reference and comparisons against it. */
public final class Reference {
    public static final Path DIR = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference")
            .toAbsolutePath().normalize();
    public static final Path PRE = DIR.resolve("merge_pre.safetensors");
    public static final List<Path> FINE_TUNED = List.of(DIR.resolve("merge_ft_0.safetensors"),
            DIR.resolve("merge_ft_1.safetensors"), DIR.resolve("merge_ft_2.safetensors"));
    public static final Path EXPECTED = DIR.resolve("merge_expected.safetensors");
    public static final String POSITION_IDS = "vision_model.embeddings.position_ids";

    /** Relative tolerance the issue asks for. */
    public static final double RELATIVE = 1e-6;

    private Reference() {
    }

    /**
     * Every floating tensor of {@code actual} equals {@code expected/<prefix>/name} to 1e-6 relative
     * (|a − e| ≤ 1e-6 · |e|, with |e| floored at 1e-6 · the tensor's largest |e| so that entries that cancel to
     * almost 0 are judged on the tensor's scale), and every expected tensor of the prefix is there.
     * Returns the largest relative difference seen.
     */
    public static double assertMatches(Checkpoint actual, String prefix) {
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
                float scale = 0;
                for (float w : want) {
                    scale = Math.max(scale, Math.abs(w));
                }
                for (int i = 0; i < want.length; i++) {
                    double denom = Math.max(Math.abs(want[i]), 1e-6 * scale);
                    double rel = denom == 0 ? Math.abs(got[i]) : Math.abs(got[i] - want[i]) / denom;
                    worst = Math.max(worst, rel);
                    if (rel > RELATIVE) {
                        throw new AssertionError(prefix + "/" + name + "[" + i + "]: got " + got[i] + ", expected "
                                + want[i] + " (relative difference " + rel + ")");
                    }
                }
                compared++;
            }
        }
        assertThat(compared).as("expected tensors under %s", prefix).isGreaterThan(0);
        return worst;
    }

    /** The integer buffer came through byte for byte from the base. */
    public static void assertPositionIdsCarried(Checkpoint actual) {
        try (Checkpoint pre = Checkpoint.open(PRE)) {
            TensorInfo t = actual.info(POSITION_IDS);
            assertThat(t.dtype()).isEqualTo(pre.info(POSITION_IDS).dtype());
            assertThat(actual.file(POSITION_IDS).readLongs(POSITION_IDS))
                    .containsExactly(pre.file(POSITION_IDS).readLongs(POSITION_IDS));
        }
    }
}
