package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defects 1, 2 and 9 (outputs), command by command: nothing the command did not create is replaced without
 * --force, no output lands on an input, locations are checked before any work, outputs are readable by others.
 */
class OutputPolicyTest {
    @TempDir
    Path tmp;
    Path pre;
    Path ft0;
    Path ft1;
    Path head0;
    Path head1;
    Path images0;
    Path images1;
    Path config;

    @BeforeEach
    void fixture() {
        pre = TestFiles.copy("merge_pre.safetensors", tmp);
        ft0 = TestFiles.copy("merge_ft_0.safetensors", tmp);
        ft1 = TestFiles.copy("merge_ft_1.safetensors", tmp);
        head0 = TestFiles.copy("ada_head_0.safetensors", tmp);
        head1 = TestFiles.copy("ada_head_1.safetensors", tmp);
        images0 = TestFiles.copy("ada_images_0.safetensors", tmp);
        images1 = TestFiles.copy("ada_images_1.safetensors", tmp);
        config = TestFiles.copy("vit_config.json", tmp);
    }

    private CliRun merge(String... extra) {
        List<String> a = new ArrayList<>(List.of("merge", "--no-progress", "--method", "task_arithmetic", "--base",
                pre.toString(), "--models", ft0.toString(), ft1.toString()));
        a.addAll(List.of(extra));
        return CliRun.of(a);
    }

    private CliRun adamerging(String... extra) {
        List<String> a = new ArrayList<>(List.of("adamerging", "--base", pre.toString(), "--models", ft0.toString(),
                ft1.toString(), "--heads", head0.toString(), head1.toString(), "--data", images0.toString(),
                images1.toString(), "--config", config.toString(), "--granularity", "task"));
        if (!List.of(extra).contains("--steps")) {
            a.addAll(List.of("--steps", "1"));
        }
        a.addAll(List.of(extra));
        return CliRun.of(a);
    }

    private static void assertOneLineError(CliRun r, String... fragments) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err().strip()).as("one line").doesNotContain("\n").doesNotContain("\tat ");
        for (String f : fragments) {
            assertThat(r.err()).contains(f);
        }
    }

    @Test
    void mergeNeverDeletesAFolderFileOrTheWorkingDirectory() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("results"));
        Files.writeString(folder.resolve("notes.txt"), "precious");
        Path file = Files.writeString(tmp.resolve("model"), "a file");
        Map<String, String> before = TestFiles.fingerprint(tmp);
        assertOneLineError(merge("--out", folder.toString()), "--out", "already exists (a folder with 1 entries)", "--force");
        assertOneLineError(merge("--out", file.toString()), "already exists (a file of 6 bytes)");
        assertOneLineError(merge("--out", "."), "working directory");
        assertOneLineError(merge("--out", "/dev/full", "--force"), "not a regular file or folder");
        assertThat(TestFiles.fingerprint(tmp)).isEqualTo(before);
    }

    @Test
    void forceReplacesAndSaysWhat() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("merged"));
        Files.writeString(folder.resolve("old.txt"), "old");
        CliRun r = merge("--out", folder.toString(), "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("replacing a folder with 1 entries at " + folder.toAbsolutePath() + " (--force)");
        assertThat(folder.resolve("old.txt")).doesNotExist();
        assertThat(folder.resolve("model.safetensors")).exists();
        assertThat(TestFiles.hiddenFiles(tmp)).isEmpty();
    }

    @Test
    void mergeOfAConfigOntoItselfIsRefused() throws IOException {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "merge_method: task_arithmetic\nbase_model: " + pre
                + "\nmodels:\n  - model: " + ft0 + "\n");
        String text = Files.readString(cfg);
        assertOneLineError(CliRun.of("merge", "--no-progress", cfg.toString(), cfg.toString()), "is the input CONFIG");
        assertThat(Files.readString(cfg)).isEqualTo(text);
    }

    @Test
    void positionalOutputAndOutTogetherAreRefused() throws IOException {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "merge_method: task_arithmetic\nbase_model: " + pre
                + "\nmodels:\n  - model: " + ft0 + "\n");
        assertOneLineError(CliRun.of("merge", "--no-progress", cfg.toString(), tmp.resolve("b.safetensors").toString(),
                "--out", tmp.resolve("a.safetensors").toString()), "both OUTPUT", "--out");
        assertThat(tmp.resolve("a.safetensors")).doesNotExist();
        assertThat(tmp.resolve("b.safetensors")).doesNotExist();
    }

    @Test
    void outputsAreReadableByOthersAsAnyNewFile() throws IOException {
        Path out = tmp.resolve("m.safetensors");
        assertThat(merge("--out", out.toString()).code()).isZero();
        Path reference = Files.createFile(tmp.resolve("reference"));
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(reference));
        Path dir = tmp.resolve("m");
        assertThat(merge("--out", dir.toString()).code()).isZero();
        Path refDir = Files.createDirectory(tmp.resolve("refdir"));
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(Files.getPosixFilePermissions(refDir));
        assertThat(Files.getPosixFilePermissions(dir.resolve("model.safetensors")))
                .isEqualTo(Files.getPosixFilePermissions(reference));
    }

    @Test
    void adamergingNeverWritesOntoItsInputs() {
        Map<String, String> before = TestFiles.fingerprint(tmp);
        assertOneLineError(adamerging("--out", pre.toString()), "--out", "is the input --base");
        assertOneLineError(adamerging("--out", ft1.toString(), "--force"), "is the input --models");
        assertOneLineError(adamerging("--out", head0.toString(), "--force"), "is the input --heads");
        assertOneLineError(adamerging("--out", tmp.resolve("m.safetensors").toString(), "--save-lambda",
                images1.toString(), "--force"), "--save-lambda", "is the input --data");
        assertOneLineError(adamerging("--out", tmp.resolve("m.safetensors").toString(), "--save-lambda",
                tmp.resolve("m.safetensors").toString()), "--save-lambda", "--out", "same location");
        assertThat(TestFiles.fingerprint(tmp)).isEqualTo(before);
        assertThat(tmp.resolve("m.safetensors")).doesNotExist();
    }

    @Test
    void adamergingResumesOntoItsOwnCoefficientFile() {
        Path lambda = tmp.resolve("lambda.safetensors");
        assertThat(adamerging("--out", tmp.resolve("m1.safetensors").toString(), "--save-lambda", lambda.toString())
                .code()).isZero();
        // the documented resume: --init-lambda and --save-lambda the same file
        CliRun resumed = adamerging("--steps", "2", "--init-lambda", lambda.toString(), "--save-lambda", lambda.toString(),
                "--out", tmp.resolve("m2.safetensors").toString());
        assertThat(resumed.code()).as(resumed.err()).isZero();
        // but an existing file that is not the resumed one is not replaced without --force
        assertOneLineError(adamerging("--out", tmp.resolve("m3.safetensors").toString(), "--save-lambda",
                tmp.resolve("m1.safetensors").toString()), "--save-lambda", "already exists");
    }

    @Test
    void embedNeverWritesOntoItsInputs() {
        Path io = TestFiles.copy("vit_io.safetensors", tmp);
        Path model = TestFiles.copy("vit_hf.safetensors", tmp);
        Map<String, String> before = TestFiles.fingerprint(tmp);
        for (Path target : List.of(io, model, config)) {
            assertOneLineError(CliRun.of("embed", "--model", model.toString(), "--config", config.toString(), "--input",
                    io.toString(), "--out", target.toString(), "--force"), "--out", "is the input");
        }
        assertThat(TestFiles.fingerprint(tmp)).isEqualTo(before);
    }

    @Test
    void demoRefusesAFileAsItsResultsFolderBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("results"), "x");
        assertOneLineError(CliRun.of("demo", "--quick", "--zoo", tmp.resolve("nozoo").toString(), "--out", file.toString()),
                "--out", "not a folder");
        assertThat(tmp.resolve("nozoo")).as("refused before the zoo is prepared").doesNotExist();
    }
}
