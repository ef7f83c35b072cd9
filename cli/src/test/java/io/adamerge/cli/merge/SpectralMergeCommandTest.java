package io.adamerge.cli.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.cli.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** {@code adamerge merge --method tsv_m|iso_c|iso_cts --alpha A} reproduces svd_expected.safetensors. */
class SpectralMergeCommandTest {
    static final Path EXPECTED = ExpectedMerges.DIR.resolve("svd_expected.safetensors");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} alpha {1}")
    @CsvSource({"tsv_m,1.0", "tsv_m,1.5", "iso_c,1.0", "iso_c,1.5", "iso_cts,1.0", "iso_cts,1.5"})
    void flagsReproduceTheAuthorsMerge(String method, String alpha) {
        Path out = tmp.resolve(method + alpha + ".safetensors");
        List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--method", method, "--alpha", alpha,
                "--base", ExpectedMerges.PRE.toString(), "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        args.addAll(List.of("--out", out.toString()));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        int compared = 0;
        try (Checkpoint merged = Checkpoint.open(out); Checkpoint expected = Checkpoint.open(EXPECTED)) {
            String prefix = method + "_" + alpha + "/";
            for (TensorInfo e : expected.tensors()) {
                if (!e.name().startsWith(prefix)) {
                    continue;
                }
                float[] want = expected.readFloats(e.name());
                float[] got = merged.readFloats(e.name().substring(prefix.length()));
                assertThat(got).hasSize(want.length);
                for (int i = 0; i < want.length; i++) {
                    assertThat(Math.abs((double) got[i] - want[i])).as("%s[%d]", e.name(), i).isLessThanOrEqualTo(1e-6);
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(40);
    }
}
