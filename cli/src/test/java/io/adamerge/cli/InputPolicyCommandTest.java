package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, defects 3, 4, 8 and 9 through the command line: one clear line, exit 1, nothing written. */
class InputPolicyCommandTest {
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
    Path out;

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
        out = tmp.resolve("out.safetensors");
    }

    private static void assertOneLineError(CliRun r, String... fragments) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err().strip()).as("one line").doesNotContain("\n").doesNotContain("\tat ");
        for (String f : fragments) {
            assertThat(r.err()).contains(f);
        }
    }

    private CliRun adamerging(Path head, Path images) {
        return CliRun.of("adamerging", "--base", pre.toString(), "--models", ft0.toString(), ft1.toString(), "--heads",
                head0.toString(), head.toString(), "--data", images0.toString(), images.toString(), "--config",
                config.toString(), "--granularity", "task", "--steps", "1", "--out", out.toString());
    }

    private CliRun fisher(Path head, Path images) {
        return CliRun.of("merge", "--no-progress", "--method", "fisher", "--models", ft0.toString(), ft1.toString(),
                "--heads", head0.toString(), head.toString(), "--data", images0.toString(), images.toString(),
                "--vision-config", config.toString(), "--samples", "4", "--out", out.toString());
    }

    @Test
    void anInfiniteHeadOrANanPixelIsNamedNotALossAtStepZero() {
        Path infHead = TestFiles.withValue(head1, tmp.resolve("inf_head.safetensors"), "weight", 3, Float.POSITIVE_INFINITY);
        assertOneLineError(adamerging(infHead, images1), "inf_head.safetensors", "'weight' holds Infinity at element 3");
        Path nanImages = TestFiles.withValue(images1, tmp.resolve("nan_images.safetensors"), "pixel_values", 10, Float.NaN);
        assertOneLineError(adamerging(head1, nanImages), "nan_images.safetensors", "'pixel_values' holds NaN in image 0");
        assertThat(out).doesNotExist();
    }

    @Test
    void aHeadWithZeroClassesIsRefusedByAdaMergingAndFisher() {
        Path empty = tmp.resolve("empty_head.safetensors");
        SafetensorsWriter.write(empty, Map.of("weight", new FloatTensor(new long[] {0, 32}, new float[0])), Map.of());
        assertOneLineError(adamerging(empty, images1), "empty_head.safetensors", "at least one class");
        assertOneLineError(fisher(empty, images1), "empty_head.safetensors", "at least one class");
        assertThat(out).doesNotExist();
    }

    @Test
    void fisherAndRegMeanRefuseNanPixelsAndInfiniteHeads() {
        Path nanImages = TestFiles.withValue(images1, tmp.resolve("nan_images.safetensors"), "pixel_values", 0, Float.NaN);
        assertOneLineError(fisher(head1, nanImages), "nan_images.safetensors", "NaN in image 0");
        Path infHead = TestFiles.withValue(head1, tmp.resolve("inf_head.safetensors"), "weight", 0, Float.NEGATIVE_INFINITY);
        assertOneLineError(fisher(infHead, images1), "inf_head.safetensors", "'weight' holds -Infinity");
        assertOneLineError(CliRun.of("merge", "--no-progress", "--method", "regmean", "--models", ft0.toString(),
                ft1.toString(), "--data", images0.toString(), nanImages.toString(), "--vision-config", config.toString(),
                "--out", out.toString()), "nan_images.safetensors", "NaN in image 0");
        assertThat(out).doesNotExist();
    }

    @Test
    void aHugeLambdaWritesNothing() {
        assertOneLineError(CliRun.of("merge", "--no-progress", "--method", "task_arithmetic", "--base", pre.toString(),
                "--models", ft0.toString(), "--lambda", "1e39", "--out", out.toString()), "is Infinity", "nothing written");
        assertThat(out).doesNotExist();
        assertThat(TestFiles.hiddenFiles(tmp)).isEmpty();
    }

    @Test
    void embedRefusesANanPixelNamingTheImage() {
        Path io = TestFiles.copy("vit_io.safetensors", tmp);
        Path bad = TestFiles.withValue(io, tmp.resolve("nan_io.safetensors"), "pixel_values", 2 * 3 * 32 * 32, Float.NaN);
        assertOneLineError(CliRun.of("embed", "--model", ft0.toString(), "--config", config.toString(), "--input",
                bad.toString(), "--out", out.toString()), "nan_io.safetensors", "NaN in image 2");
        assertThat(out).doesNotExist();
    }

    @Test
    void aBadFilterNamesTheOption() {
        assertOneLineError(CliRun.of("inspect", "--filter", "([", pre.toString()), "--filter '(['", "not a valid regular expression");
    }
}
