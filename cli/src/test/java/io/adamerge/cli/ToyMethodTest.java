package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A method added through a service file only ({@link ToyMerge}) is found by every entry point: {@code merge
 * --list-methods} and {@code merge --method}, the demo's rows and the studies; and DARE, DARE-Ties and layer-wise
 * AdaMerging are rows of the demo's table.
 */
class ToyMethodTest {
    static final Path REFERENCE = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void listedByKindAndMergedFromFiles() {
        CliRun list = CliRun.of("merge", "--list-methods");
        assertThat(list.code()).isZero();
        String out = list.out();
        assertThat(out).contains("data-free methods:", "data-driven methods:", "test-time methods:",
                "toy: test-only: pretrained + lambda x the largest task-vector entry; needs weights only",
                "lw_adamerging_pp: ", "needs unlabelled data of each task and every task's head");
        assertThat(out.indexOf("toy: ")).isBetween(out.indexOf("data-free methods:"), out.indexOf("data-driven methods:"));
        assertThat(out.indexOf("tw_adamerging: ")).isGreaterThan(out.indexOf("test-time methods:"));

        Path merged = tmp.resolve("toy.safetensors");
        CliRun merge = CliRun.of("merge", "--no-progress", "--method", "toy", "--param", "lambda=0.3", "--base",
                REFERENCE.resolve("merge_pre.safetensors").toString(), "--models", REFERENCE.resolve("merge_ft_0.safetensors").toString(),
                REFERENCE.resolve("merge_ft_1.safetensors").toString(), "--out", merged.toString());
        assertThat(merge.code()).as(merge.err()).isZero();
        try (Checkpoint c = Checkpoint.open(merged); Checkpoint pre = Checkpoint.open(REFERENCE.resolve("merge_pre.safetensors"));
             Checkpoint a = Checkpoint.open(REFERENCE.resolve("merge_ft_0.safetensors"));
             Checkpoint b = Checkpoint.open(REFERENCE.resolve("merge_ft_1.safetensors"))) {
            String name = "vision_model.encoder.layers.0.mlp.fc1.weight";
            float[] p = pre.readFloats(name);
            float[] x = a.readFloats(name);
            float[] y = b.readFloats(name);
            float[] m = c.readFloats(name);
            for (int i = 0; i < p.length; i++) {
                assertThat(m[i]).isEqualTo(p[i] + 0.3f * Math.max(x[i] - p[i], y[i] - p[i]));
            }
        }
        CliRun testTime = CliRun.of("merge", "--method", "lw_adamerging", "--base", REFERENCE.resolve("merge_pre.safetensors").toString(),
                "--models", REFERENCE.resolve("merge_ft_0.safetensors").toString(), "--out", tmp.resolve("x.safetensors").toString());
        assertThat(testTime.code()).isNotZero();
        assertThat(testTime.err()).contains("lw_adamerging is a test-time method");
    }

    @Test
    void demoRowsAndStudiesTakeAnyRegistryMethod() throws IOException {
        QuickZoo quick = QuickZoo.get();
        Path out = tmp.resolve("demo");
        CliRun demo = CliRun.of("demo", "--quick", "--threads", "1", "--data", quick.data(), "--zoo", quick.zoo().toString(), "--out",
                out.toString(), "--steps", "1", "--methods", "dare,dare_ties,lw_adamerging,toy,toy_best");
        assertThat(demo.code()).as(demo.err()).isZero();
        assertThat(demo.out()).contains("| dare |", "| dare_ties |", "| lw_adamerging |", "| toy |", "| toy_best |",
                "toy: lambda 0.3", "dare: drop_rate 0.9");
        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        List<String> rows = new ArrayList<>();
        r.get("rows").forEach(row -> rows.add(row.get("method").asText()));
        assertThat(rows).containsExactly("dare", "dare_ties", "lw_adamerging", "toy", "toy_best");
        assertThat(r.get("chosen_lambda").has("toy_best")).isTrue();

        CliRun unknown = CliRun.of("demo", "--quick", "--zoo", quick.zoo().toString(), "--methods", "slerp", "--out", tmp.resolve("bad").toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown table row 'slerp'", "toy_best");

        Path study = tmp.resolve("study");
        CliRun sensitivity = CliRun.of("study", "sensitivity", "--quick", "--zoo", quick.zoo().toString(), "--data", quick.data(),
                "--methods", "task_arithmetic,toy", "--out", study.toString());
        assertThat(sensitivity.code()).as(sensitivity.err()).isZero();
        JsonNode s = new ObjectMapper().readTree(study.resolve("sensitivity.json").toFile());
        assertThat(s.get("curves").get(1).get("method").asText()).isEqualTo("toy");
        // at λ 0 the toy merge is the pretrained model, as task arithmetic is
        assertThat(s.get("curves").get(1).get("avg").get(0).asDouble()).isEqualTo(s.get("curves").get(0).get("avg").get(0).asDouble());
    }
}
