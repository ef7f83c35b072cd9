package io.adamerge.cli.checkpoint;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LoRA through the command line on the reference fixture (a tiny CLIP tower): a fine-tuned model written as an adapter
 * ({@code extract-lora}), that adapter merged like any model ({@code merge --models ADAPTER}), and the merge of a
 * rank-r adapter extracted again at rank r with no error (a rank-r difference is its own best rank-r approximation).
 */
class LoraCommandsTest {
    static final Path REF = Path.of("..", "..", "shared", "reference");
    @TempDir
    Path tmp;

    static double overallError(String out) {
        Matcher m = Pattern.compile("relative Frobenius error ([0-9.]+) overall").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void extractMergeAndExtractAgain() throws Exception {
        Path pre = REF.resolve("merge_pre.safetensors");
        Path ft = REF.resolve("merge_ft_0.safetensors");
        Path adapter = tmp.resolve("adapter");
        CliRun first = CliRun.of("extract-lora", "--base", pre.toString(), "--model", ft.toString(), "--rank", "4", "--out", adapter.toString());
        assertThat(first.code()).as(first.err()).isZero();
        double error = overallError(first.out());
        assertThat(error).isBetween(0.0, 1.0);
        assertThat(first.out()).contains("not in the adapter");
        assertThat(adapter.resolve("adapter_config.json")).exists();

        Path merged = tmp.resolve("merged.safetensors");
        CliRun merge = CliRun.of("merge", "--method", "task_arithmetic", "--lambda", "1", "--base", pre.toString(),
                "--models", adapter.toString(), "--out", merged.toString(), "--no-progress");
        assertThat(merge.code()).as(merge.err()).isZero();
        try (Checkpoint p = Checkpoint.open(pre); Checkpoint m = Checkpoint.open(merged)) {
            for (TensorInfo t : p.tensors()) {
                if (t.dtype().isFloating() && t.shape().length != 2) {
                    // what the adapter does not hold stays at the base's values
                    assertThat(m.readFloats(t.name())).as(t.name()).containsExactly(p.readFloats(t.name()));
                }
            }
        }
        CliRun again = CliRun.of("extract-lora", "--base", pre.toString(), "--model", merged.toString(), "--rank", "4",
                "--out", tmp.resolve("again").toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(overallError(again.out())).isLessThan(1e-3);

        CliRun taken = CliRun.of("extract-lora", "--base", pre.toString(), "--model", ft.toString(), "--rank", "4", "--out", adapter.toString());
        assertThat(taken.code()).isNotZero();
        assertThat(taken.err()).contains("already exists").doesNotContain("Exception");
        CliRun badRegex = CliRun.of("extract-lora", "--base", pre.toString(), "--model", ft.toString(), "--rank", "4",
                "--targets", "([", "--out", tmp.resolve("x").toString());
        assertThat(badRegex.code()).isNotZero();
        assertThat(badRegex.err()).contains("--targets");
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(Files.exists(tmp.resolve("again"))).isTrue();
    }
}
