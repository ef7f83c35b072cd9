package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adamerge adamerging} against the PyTorch reference steps and on bad input. */
class AdaMergingCommandTest {
    private static final Path REF = Path.of(System.getProperty("adamerge.shared", "../shared")).resolve("reference");
    private static final Path STEP = REF.resolve("ada_step.safetensors");
    private static final int TASKS = 3;

    @TempDir
    Path tmp;

    /** The reference task set on the command line, with the given extra options. */
    private static List<String> referenceArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of("adamerging", "--base", REF.resolve("merge_pre.safetensors").toString(), "--models"));
        for (int k = 0; k < TASKS; k++) {
            a.add(REF.resolve("merge_ft_" + k + ".safetensors").toString());
        }
        a.add("--heads");
        for (int k = 0; k < TASKS; k++) {
            a.add(REF.resolve("ada_head_" + k + ".safetensors").toString());
        }
        a.add("--data");
        for (int k = 0; k < TASKS; k++) {
            a.add(REF.resolve("ada_images_" + k + ".safetensors").toString());
        }
        a.addAll(List.of("--config", REF.resolve("vit_config.json").toString()));
        a.addAll(List.of(extra));
        return a;
    }

    private static float[] read(Path file, String tensor) {
        try (Checkpoint c = Checkpoint.open(file)) {
            return c.readFloats(tensor);
        }
    }

    private static List<String> layerKeys() throws IOException {
        try (Checkpoint c = Checkpoint.open(STEP)) {
            return new ObjectMapper().readValue(c.metadata().get("layer_keys"), new TypeReference<List<String>>() { });
        }
    }

    /** max |actual − expected| over all rows but the k_proj.bias ones, whose true gradient is zero. */
    private static double maxDiff(float[] actual, float[] expected) throws IOException {
        List<String> keys = layerKeys();
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!keys.get(i / TASKS).endsWith(".self_attn.k_proj.bias")) {
                worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
            }
        }
        return worst;
    }

    private CliRun referenceRun(int steps, Path lambdaOut, Path merged, Path init) {
        // default batch 16 ≥ the 8 reference images per task: every step sees all of them, in order, like the reference
        CliRun r = CliRun.of(referenceArgs("--granularity", "layer", "--steps", Integer.toString(steps),
                "--init-lambda", init.toString(), "--save-lambda", lambdaOut.toString(), "--out", merged.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    @Test
    void oneStepMatchesPyTorchAndTheMergedFileIsTheBaseLayoutWithMergedWeights() throws IOException {
        Path lambda = tmp.resolve("lambda1.safetensors");
        Path merged = tmp.resolve("merged.safetensors");
        CliRun r = referenceRun(1, lambda, merged, REF.resolve("ada_lambda_init.safetensors"));
        double diff = maxDiff(read(lambda, "lambda"), read(STEP, "lambda_after_step"));
        System.out.printf("CLI --steps 1: lambda max |diff| %.3g%n", diff);
        // measured 1.1e-6 on oneMKL's fast path, less on its generic kernels (see AdaMergingReferenceTest)
        assertThat(diff).isLessThanOrEqualTo(3e-6);
        assertThat(r.out()).contains("lw_adamerging").contains("merged model").contains("over 1 steps");

        // the merged file: every base tensor in base order and dtype, floats = pre + Σ clamp(λ)·T computed here in double
        float[] lam = read(lambda, "lambda");
        List<String> keys = layerKeys();
        try (Checkpoint pre = Checkpoint.open(REF.resolve("merge_pre.safetensors"));
             Checkpoint out = Checkpoint.open(merged)) {
            assertThat(out.names()).containsExactlyElementsOf(pre.names());
            assertThat(out.metadata()).containsEntry("adamerge.method", "lw_adamerging").containsEntry("adamerge.steps", "1")
                    .containsKey("adamerge.coefficients");
            for (TensorInfo t : pre.tensors()) {
                assertThat(out.info(t.name()).dtype()).isEqualTo(t.dtype());
                if (!t.dtype().isFloating()) {
                    assertThat(out.bytes(t.name())).isEqualTo(pre.bytes(t.name()));
                    continue;
                }
                int row = keys.indexOf(t.name());
                float[] base = pre.readFloats(t.name());
                double[] want = new double[base.length];
                for (int i = 0; i < base.length; i++) {
                    want[i] = base[i];
                }
                for (int k = 0; k < TASKS; k++) {
                    double c = Math.min(1, Math.max(0, lam[row * TASKS + k]));
                    float[] ft = read(REF.resolve("merge_ft_" + k + ".safetensors"), t.name());
                    for (int i = 0; i < base.length; i++) {
                        want[i] += c * ((double) ft[i] - base[i]);
                    }
                }
                float[] got = out.readFloats(t.name());
                for (int i = 0; i < got.length; i++) {
                    assertThat((double) got[i]).as("%s[%d]", t.name(), i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    @Test
    void fiveStepsMatchPyTorchAndTwoPlusThreeResumedStepsGiveTheSameCoefficients() throws IOException {
        Path five = tmp.resolve("lambda5.safetensors");
        referenceRun(5, five, tmp.resolve("m5.safetensors"), REF.resolve("ada_lambda_init.safetensors"));
        double diff = maxDiff(read(five, "lambda"), read(STEP, "lambda_after_5_steps"));
        System.out.printf("CLI --steps 5: lambda max |diff| %.3g%n", diff);
        assertThat(diff).isLessThanOrEqualTo(1e-5);

        Path two = tmp.resolve("lambda2.safetensors");
        referenceRun(2, two, tmp.resolve("m2.safetensors"), REF.resolve("ada_lambda_init.safetensors"));
        Path resumed = tmp.resolve("lambda2+3.safetensors");
        referenceRun(5, resumed, tmp.resolve("m2+3.safetensors"), two);
        assertThat(read(resumed, "lambda")).containsExactly(read(five, "lambda"));
        try (Checkpoint c = Checkpoint.open(resumed)) {
            assertThat(c.metadata()).containsEntry("step", "5");
        }
    }

    @Test
    void taskWisePlusRunsOnImageFoldersWithAHfDirectoryOutput() throws IOException {
        List<String> args = referenceArgs("--granularity", "task", "--plus", "--steps", "2", "--batch", "4", "--seed", "3",
                "--out", tmp.resolve("merged-dir").toString());
        // swap the third data file for a folder of PNGs
        int at = args.indexOf(REF.resolve("ada_images_2.safetensors").toString());
        Path folder = tmp.resolve("images");
        Files.createDirectories(folder);
        for (int i = 0; i < 5; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 40; x++) {
                    img.setRGB(x, y, ((x * 6 + i * 20) % 256) << 16 | ((y * 6) % 256) << 8 | (i * 50));
                }
            }
            javax.imageio.ImageIO.write(img, "png", folder.resolve("img" + i + ".png").toFile());
        }
        args.set(at, folder.toString());
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("tw_adamerging_pp");
        try (Checkpoint out = Checkpoint.open(tmp.resolve("merged-dir"))) {
            assertThat(out.metadata()).containsEntry("adamerge.method", "tw_adamerging_pp").containsEntry("adamerge.ties_density", "0.2");
            assertThat(out.names()).contains("vision_model.embeddings.position_ids");
        }
    }

    @Test
    void badInputFailsWithAMessageAndLeavesNoOutput() throws IOException {
        Path merged = tmp.resolve("never.safetensors");
        List<String> args = referenceArgs("--granularity", "layer", "--steps", "1", "--out", merged.toString());
        // a head file given as data: no pixel_values
        int at = args.indexOf(REF.resolve("ada_images_1.safetensors").toString());
        args.set(at, REF.resolve("ada_head_1.safetensors").toString());
        CliRun r = CliRun.of(args);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("ada_head_1.safetensors").contains("pixel_values");

        CliRun counts = CliRun.of(List.of("adamerging", "--base", REF.resolve("merge_pre.safetensors").toString(),
                "--models", REF.resolve("merge_ft_0.safetensors").toString(), REF.resolve("merge_ft_1.safetensors").toString(),
                "--heads", REF.resolve("ada_head_0.safetensors").toString(),
                "--data", REF.resolve("ada_images_0.safetensors").toString(),
                "--granularity", "task", "--out", merged.toString()));
        assertThat(counts.code()).isNotZero();
        assertThat(counts.err()).contains("2 models, 1 heads, 1 data sets");

        CliRun gran = CliRun.of(referenceArgs("--granularity", "task", "--init-lambda", REF.resolve("ada_lambda_init.safetensors").toString(),
                "--out", merged.toString()));
        assertThat(gran.code()).isNotZero();
        assertThat(gran.err()).contains("ada_lambda_init.safetensors").contains("layer-wise");

        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.filter(p -> p.getFileName().toString().contains("never"))).isEmpty();
        }
    }
}
