package io.adamerge.cli.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.cli.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code merge --method iso_c_lowrank}: the variant runs its base method with rank_tolerance 1e-4 (the same tensors as
 * {@code --method iso_c -P rank_tolerance=1e-4}; on the full-rank fixture also the official iso_c's) and records both in
 * the metadata;
 * {@code --list-methods} lists the variants.
 */
class LowRankVariantCommandTest {
    @TempDir
    Path tmp;

    private Path merge(String name, String... methodArgs) {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> args = new ArrayList<>(List.of("merge", "--no-progress"));
        args.addAll(List.of(methodArgs));
        args.addAll(List.of("--base", ExpectedMerges.PRE.toString(), "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        args.addAll(List.of("--out", out.toString()));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        return out;
    }

    @Test
    void theVariantIsItsBaseMethodWithTheOverride() {
        Path variant = merge("variant", "--method", "iso_c_lowrank");
        Path spelled = merge("spelled", "--method", "iso_c", "-P", "rank_tolerance=1e-4");
        Path official = merge("official", "--method", "iso_c");
        boolean sameAsOfficial = true;
        try (Checkpoint v = Checkpoint.open(variant); Checkpoint s = Checkpoint.open(spelled); Checkpoint o = Checkpoint.open(official)) {
            assertThat(v.metadata().get("adamerge.method")).isEqualTo("iso_c");
            assertThat(v.metadata().get("adamerge.parameters")).contains("\"rank_tolerance\":1.0E-4");
            assertThat(o.metadata().get("adamerge.parameters")).contains("\"rank_tolerance\":0.0");
            for (TensorInfo t : v.tensors()) {
                if (!t.dtype().isFloating()) {
                    continue;
                }
                assertThat(v.readFloats(t.name())).as(t.name()).isEqualTo(s.readFloats(t.name()));
                sameAsOfficial &= Arrays.equals(v.readFloats(t.name()), o.readFloats(t.name()));
            }
        }
        // the fixture's task vectors have full numerical rank (every σ above 1e-4·σ_max): there the variant is the
        // official merge, bit for bit, as on full fine-tunes (the low-rank case: LowRankSpectralTest)
        assertThat(sameAsOfficial).as("iso_c_lowrank equals iso_c on full-rank task vectors").isTrue();
    }

    @Test
    void listMethodsShowsTheVariants() {
        CliRun list = CliRun.of("merge", "--list-methods");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("rank_tolerance")
                .contains("variant tsv_m_lowrank = tsv_m with {rank_tolerance=1.0E-4}")
                .contains("variant iso_c_lowrank = iso_c with {rank_tolerance=1.0E-4}")
                .contains("variant iso_cts_lowrank = iso_cts with {rank_tolerance=1.0E-4}");
    }

    @Test
    void anUnknownMethodListsTheVariantsToo() {
        CliRun run = CliRun.of("merge", "--method", "iso_c_lowrnak", "--base", ExpectedMerges.PRE.toString(), "--models",
                ExpectedMerges.FINE_TUNED.get(0).toString(), "--out", tmp.resolve("x.safetensors").toString());
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("unknown merge method 'iso_c_lowrnak'").contains("iso_c_lowrank");
    }
}
