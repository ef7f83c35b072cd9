package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {
    private static final Path REF = Path.of(System.getProperty("adamerge.shared", "../shared")).resolve("reference");
    private static final Path CONFIG = REF.resolve("vit_config.json");
    private static final Path IO = REF.resolve("vit_io.safetensors");

    private static float[] read(Path file, String tensor) {
        try (Checkpoint c = Checkpoint.open(file)) {
            return c.readFloats(tensor);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst / scale).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void embedsPixelValuesFromBothLayoutsInUnevenBatches(@TempDir Path dir) {
        for (String weights : new String[] {"vit_hf.safetensors", "vit_openclip.safetensors"}) {
            Path out = dir.resolve(weights + ".embeds.safetensors");
            CliRun r = CliRun.of("embed", "--model", REF.resolve(weights).toString(), "--config", CONFIG.toString(),
                    "--input", IO.toString(), "--out", out.toString(), "--batch", "3");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("embedded 4 images").contains("image_embeds [4, 32]");
            assertClose(read(out, "image_embeds"), read(IO, "image_embeds"));
            assertClose(read(out, "pooled"), read(IO, "pooled"));
        }
    }

    @Test
    void embedsAFolderOfImages(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        Random random = new Random(5);
        for (String name : new String[] {"b.png", "a.png", "c.jpg"}) {
            BufferedImage img = new BufferedImage(48, 40, name.startsWith("c") ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 48; x++) {
                    img.setRGB(x, y, random.nextInt(0xffffff));
                }
            }
            ImageIO.write(img, name.endsWith("png") ? "png" : "jpg", images.resolve(name).toFile());
        }
        Path out = dir.resolve("embeds.safetensors");
        CliRun r = CliRun.of("embed", "--model", REF.resolve("vit_hf.safetensors").toString(), "--config", CONFIG.toString(),
                "--input", images.toString(), "--out", out.toString(), "--batch", "2");
        assertThat(r.code()).as(r.err()).isZero();
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.info("image_embeds").shape()).containsExactly(3, 32);
            assertThat(c.metadata()).containsEntry("images", "[\"a.png\",\"b.png\",\"c.jpg\"]");
        }
        // the folder path gives what the pixel path gives for the same preprocessed images
        io.adamerge.model.ClipImageProcessor p = io.adamerge.model.ClipImageProcessor.forImageSize(32);
        float[] pixels = new float[3 * 3 * 32 * 32];
        int i = 0;
        for (String name : new String[] {"a.png", "b.png", "c.jpg"}) {
            System.arraycopy(p.load(images.resolve(name)), 0, pixels, i++ * 3072, 3072);
        }
        Path pixelFile = dir.resolve("pixels.safetensors");
        SafetensorsWriter.write(pixelFile, Map.of("pixel_values", FloatTensor.of(pixels, 3, 3, 32, 32)), Map.of());
        Path out2 = dir.resolve("embeds2.safetensors");
        assertThat(CliRun.of("embed", "--model", REF.resolve("vit_hf.safetensors").toString(), "--config", CONFIG.toString(),
                "--input", pixelFile.toString(), "--out", out2.toString()).code()).isZero();
        assertClose(read(out, "image_embeds"), read(out2, "image_embeds")); // batch sizes differ: GEMM rounding only
    }

    @Test
    void badInputFailsClearlyAndWritesNothing(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out.safetensors");
        String model = REF.resolve("vit_hf.safetensors").toString();
        CliRun noPixels = CliRun.of("embed", "--model", model, "--config", CONFIG.toString(), "--input",
                REF.resolve("ada_head_0.safetensors").toString(), "--out", out.toString());
        assertThat(noPixels.code()).isNotZero();
        assertThat(noPixels.err()).contains("ada_head_0.safetensors").contains("no tensor 'pixel_values'");

        Path wrongSize = dir.resolve("wrong.safetensors");
        SafetensorsWriter.write(wrongSize, Map.of("pixel_values", FloatTensor.of(new float[2 * 3 * 16 * 16], 2, 3, 16, 16)), Map.of());
        CliRun small = CliRun.of("embed", "--model", model, "--config", CONFIG.toString(), "--input", wrongSize.toString(), "--out", out.toString());
        assertThat(small.code()).isNotZero();
        assertThat(small.err()).contains("pixel_values is F32 [2, 3, 16, 16], the model needs float [N, 3, 32, 32]");

        CliRun empty = CliRun.of("embed", "--model", model, "--config", CONFIG.toString(), "--input",
                Files.createDirectory(dir.resolve("empty")).toString(), "--out", out.toString());
        assertThat(empty.code()).isNotZero();
        assertThat(empty.err()).contains("no images");

        CliRun badModel = CliRun.of("embed", "--model", IO.toString(), "--input", IO.toString(), "--out", out.toString());
        assertThat(badModel.code()).isNotZero();
        assertThat(badModel.err()).contains("not a CLIP vision tower");
        assertThat(out).doesNotExist();
        assertThat(dir.toFile().list()).containsExactlyInAnyOrder("wrong.safetensors", "empty");
    }
}
