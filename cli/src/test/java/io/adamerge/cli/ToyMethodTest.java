package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A method added through a service file only ({@link ToyMerge}) is found by every entry point of the command line:
 * {@code merge --list-methods} and {@code merge --method}, the demo's rows and the studies' methods.
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

    /**
     * The demo and the studies take the toy method by name: an unknown name is refused, before any data or zoo is
     * prepared, with the list of names, which holds the toy's rows. (Running it as a row and a study method is
     * {@code MainTableTest} and {@code StudiesTest} in torch, on a tiny zoo.)
     */
    @Test
    void demoAndStudiesKnowTheToyByName() {
        CliRun demo = CliRun.of("demo", "--quick", "--methods", "toy,slerp", "--out", tmp.resolve("demo").toString());
        assertThat(demo.code()).isEqualTo(1);
        assertThat(demo.err()).contains("unknown table row 'slerp'", "toy, toy_best", "dare_ties");
        CliRun study = CliRun.of("study", "sensitivity", "--quick", "--methods", "toy,slerp", "--out", tmp.resolve("study").toString());
        assertThat(study.code()).isEqualTo(1);
        assertThat(study.err()).contains("unknown merge method 'slerp'", "toy");
        assertThat(tmp.resolve("demo")).doesNotExist();
        assertThat(tmp.resolve("study")).doesNotExist();
    }
}
