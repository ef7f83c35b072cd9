package io.adamerge.cli.merge;

import io.adamerge.cli.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.RegMean;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adamerge merge} with the data-driven methods (fisher, regmean), from flags and YAML, on the reference towers. */
class DataMergeCommandTest {
    private static final Path CONFIG = ExpectedMerges.DIR.resolve("vit_config.json");

    @TempDir
    Path tmp;

    private static Path head(int k) {
        return ExpectedMerges.DIR.resolve("ada_head_" + k + ".safetensors");
    }

    private static Path images(int k) {
        return ExpectedMerges.DIR.resolve("ada_images_" + k + ".safetensors");
    }

    /** merge --method M --models ft_0..2 [--heads ...] --data ada_images_0..2 --vision-config ... EXTRA --out OUT */
    private static List<String> flags(String method, boolean heads, Path out, String... extra) {
        return flags(method, heads, List.of(images(0), images(1), images(2)), out, extra);
    }

    private static List<String> flags(String method, boolean heads, List<Path> data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("merge", "--method", method, "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> a.add(p.toString()));
        if (heads) {
            a.add("--heads");
            for (int k = 0; k < 3; k++) {
                a.add(head(k).toString());
            }
        }
        a.add("--data");
        data.forEach(d -> a.add(d.toString()));
        a.addAll(List.of("--vision-config", CONFIG.toString()));
        a.addAll(List.of(extra));
        a.addAll(List.of("--out", out.toString()));
        return a;
    }

    private static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(String[]::new));
    }

    private List<String> filesInTmp() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** max over tensors of max |a − b| / max |b|. */
    private static double maxScaledDiff(Checkpoint a, Checkpoint b, String bPrefix) {
        double worst = 0;
        for (TensorInfo t : a.tensors()) {
            if (!t.dtype().isFloating()) {
                continue;
            }
            float[] x = a.readFloats(t.name());
            float[] y = b.readFloats(bPrefix + t.name());
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < y.length; i++) {
                scale = Math.max(scale, Math.abs(y[i]));
                diff = Math.max(diff, Math.abs((double) x[i] - y[i]));
            }
            worst = Math.max(worst, diff / Math.max(scale, 1e-12));
        }
        return worst;
    }

    @Test
    void fisherWithAFloorAboveEveryFisherIsTheWeightAverage() throws IOException {
        // F_k + ε rounds to ε in float32 when ε = 1e20: all Fishers equal, so θ = Σ θ_k / 3
        Path flat = tmp.resolve("fisher-flat.safetensors");
        CliRun r = run(flags("fisher", true, flat, "--samples", "2", "--floor", "1e20", "--no-progress"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("merged fisher", "wrote " + flat.toAbsolutePath());
        Path real = tmp.resolve("fisher.safetensors");
        CliRun r2 = run(flags("fisher", true, real, "--samples", "2"));
        assertThat(r2.code()).as(r2.err()).isZero();
        try (Checkpoint a = Checkpoint.open(flat); Checkpoint b = Checkpoint.open(real);
             Checkpoint expected = Checkpoint.open(ExpectedMerges.EXPECTED)) {
            double flatVsAverage = maxScaledDiff(a, expected, "weight_average/");
            double fisherVsAverage = maxScaledDiff(b, expected, "weight_average/");
            System.out.printf("fisher (floor 1e20) vs weight average: %.3g; fisher (floor 1e-8) vs weight average: %.3g%n",
                    flatVsAverage, fisherVsAverage);
            assertThat(flatVsAverage).isLessThan(2e-6);
            assertThat(fisherVsAverage).isGreaterThan(1e-3);
            JsonNode params = new ObjectMapper().readTree(a.metadata().get("adamerge.parameters"));
            assertThat(params.get("floor").asDouble()).isEqualTo(1e20);
            assertThat(params.get("samples").asLong()).isEqualTo(2);
            assertThat(a.metadata()).containsEntry("adamerge.method", "fisher");
            assertThat(a.metadata().get("adamerge.heads")).contains("ada_head_2.safetensors");
        }
    }

    @Test
    void regmeanFromYamlEqualsFlagsAndTheLibraryCallBitForBit() throws IOException {
        Path yml = tmp.resolve("regmean.yml");
        StringBuilder y = new StringBuilder("merge_method: regmean\nvision_config: " + CONFIG + "\nmodels:\n");
        for (int k = 0; k < 3; k++) {
            y.append("  - model: ").append(ExpectedMerges.FINE_TUNED.get(k)).append("\n    data: ").append(images(k)).append('\n');
        }
        y.append("parameters:\n  samples: 6\n  seed: 3\nout: ").append(tmp.resolve("yaml.safetensors")).append('\n');
        Files.writeString(yml, y.toString());
        CliRun fromYaml = CliRun.of("merge", yml.toString());
        assertThat(fromYaml.code()).as(fromYaml.err()).isZero();
        CliRun fromFlags = run(flags("regmean", false, tmp.resolve("flags.safetensors"), "--samples", "6", "--seed", "3",
                "--alpha", "0.9"));
        assertThat(fromFlags.code()).as(fromFlags.err()).isZero();

        try (NDManager m = TorchRuntime.newManager();
             Checkpoint a = Checkpoint.open(tmp.resolve("yaml.safetensors"));
             Checkpoint b = Checkpoint.open(tmp.resolve("flags.safetensors"))) {
            List<DataMergeInput.Task> tasks = new ArrayList<>();
            ClipVisionModel model = null;
            for (int k = 0; k < 3; k++) {
                ClipVisionModel.Loaded l = ClipVisionModel.load(ExpectedMerges.FINE_TUNED.get(k), CONFIG, m);
                model = l.model();
                tasks.add(new DataMergeInput.Task("task" + k, l.weights(), null, TaskImages.readSafetensors(images(k))));
            }
            Map<String, NDArray> expected = new RegMean(new RegMean.Settings(6, 0.9, 32, 3, true))
                    .merge(new DataMergeInput(model, tasks), m);
            assertThat(expected).hasSize(40);
            for (Map.Entry<String, NDArray> e : expected.entrySet()) {
                float[] want = e.getValue().toFloatArray();
                assertThat(a.readFloats(e.getKey())).as(e.getKey()).containsExactly(want);
                assertThat(b.readFloats(e.getKey())).as(e.getKey()).containsExactly(want);
            }
            assertThat(a.metadata().get("adamerge.parameters")).isEqualTo(b.metadata().get("adamerge.parameters"));
            assertThat(a.metadata()).containsEntry("adamerge.method", "regmean").doesNotContainKey("adamerge.heads");
        }
    }

    @Test
    void regmeanReadsImageFolders() throws IOException {
        Random random = new Random(5);
        List<String> args = new ArrayList<>(List.of("merge", "--method", "regmean", "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        args.add("--data");
        for (int k = 0; k < 3; k++) {
            Path dir = Files.createDirectories(tmp.resolve("images_" + k));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                for (int p = 0; p < 32 * 32; p++) {
                    img.setRGB(p % 32, p / 32, random.nextInt(1 << 24));
                }
                ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
            }
            args.add(dir.toString());
        }
        Path out = tmp.resolve("merged");
        args.addAll(List.of("--vision-config", CONFIG.toString(), "--out", out.toString()));
        CliRun r = run(args);
        assertThat(r.code()).as(r.err()).isZero();
        try (Checkpoint merged = Checkpoint.open(out)) {
            assertThat(merged.metadata()).containsEntry("adamerge.data", "[\"images_0\",\"images_1\",\"images_2\"]");
            for (TensorInfo t : merged.tensors()) {
                if (t.dtype().isFloating()) {
                    for (float v : merged.readFloats(t.name())) {
                        assertThat(Float.isFinite(v)).as(t.name()).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void missingDataOrHeadFailsNamingTheModelAndLeavesNoOutput() throws IOException {
        Path out = tmp.resolve("out.safetensors");
        List<String> noData = new ArrayList<>(List.of("merge", "--method", "fisher", "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> noData.add(p.toString()));
        noData.addAll(List.of("--heads", head(0).toString(), head(1).toString(), head(2).toString(), "--out", out.toString()));
        CliRun r = run(noData);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("fisher needs data for every model", "model 1 (", "merge_ft_0.safetensors");

        Path yml = tmp.resolve("fisher.yml");
        Files.writeString(yml, "merge_method: fisher\nmodels:\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(0) + ", head: " + head(0) + ", data: " + images(0) + "}\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(1) + ", head: " + head(1) + "}\n"
                + "out: " + out + "\n");
        CliRun yaml = CliRun.of("merge", yml.toString());
        assertThat(yaml.code()).isEqualTo(1);
        assertThat(yaml.err()).contains("fisher needs data for every model", "model 2 (", "merge_ft_1.safetensors");

        Files.writeString(yml, "merge_method: fisher\nmodels:\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(0) + ", head: " + head(0) + ", data: " + images(0) + "}\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(1) + ", data: " + images(1) + "}\n"
                + "out: " + out + "\n");
        CliRun noHead = CliRun.of("merge", yml.toString());
        assertThat(noHead.code()).isEqualTo(1);
        assertThat(noHead.err()).contains("fisher needs the classification head of every model", "model 2 (");

        // bad images: the file is named, nothing is written
        CliRun badImages = run(flags("regmean", false, List.of(head(0), head(1), head(2)), out));
        assertThat(badImages.code()).isEqualTo(1);
        assertThat(badImages.err()).contains("ada_head_0.safetensors", "pixel_values");

        CliRun tooFew = run(flags("regmean", false, List.of(images(0)), out));
        assertThat(tooFew.code()).isEqualTo(1);
        assertThat(tooFew.err()).contains("--data: 1 paths for 3 models");
        assertThat(filesInTmp()).containsExactly("fisher.yml");
    }

    @Test
    void unknownKeysAndMisplacedDataAreRefusedForBothKinds() throws IOException {
        Path out = tmp.resolve("out.safetensors");
        List<String> ties = new ArrayList<>(List.of("merge", "--method", "ties", "--base", ExpectedMerges.PRE.toString(), "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> ties.add(p.toString()));
        ties.addAll(List.of("--out", out.toString()));

        List<String> tiesWithData = new ArrayList<>(ties);
        tiesWithData.addAll(List.of("--data", images(0).toString(), images(1).toString(), images(2).toString()));
        CliRun r = run(tiesWithData);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("ties is data-free", "--data", "fisher", "regmean");

        List<String> tiesWithSamples = new ArrayList<>(ties);
        tiesWithSamples.addAll(List.of("--samples", "8"));
        CliRun r2 = run(tiesWithSamples);
        assertThat(r2.code()).isEqualTo(1);
        assertThat(r2.err()).contains("unknown parameter 'samples'", "for ties", "density");

        Path yml = tmp.resolve("ties.yml");
        Files.writeString(yml, "merge_method: ties\nbase_model: " + ExpectedMerges.PRE + "\nmodels:\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(0) + ", data: " + images(0) + "}\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(1) + "}\nout: " + out + "\n");
        CliRun r3 = CliRun.of("merge", yml.toString());
        assertThat(r3.code()).isEqualTo(1);
        assertThat(r3.err()).contains("ties is data-free", "models[0].head/data");

        Files.writeString(yml, "merge_method: fisher\nmodels:\n"
                + "  - {model: " + ExpectedMerges.FINE_TUNED.get(0) + ", heads: " + head(0) + ", data: " + images(0) + "}\n"
                + "out: " + out + "\n");
        CliRun r4 = CliRun.of("merge", yml.toString());
        assertThat(r4.code()).isEqualTo(1);
        assertThat(r4.err()).contains("models[0]: unsupported key 'heads'", "head");

        CliRun r5 = run(flags("fisher", true, out, "--lambda", "0.3"));
        assertThat(r5.code()).isEqualTo(1);
        assertThat(r5.err()).contains("unknown parameter 'lambda'", "for fisher", "samples, seed, floor");
        assertThat(filesInTmp()).containsExactly("ties.yml");
    }

    @Test
    void listMethodsShowsFisherAndRegMeanWithTheirParameters() {
        CliRun list = CliRun.of("merge", "--list-methods");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("fisher (fisher_merging): ", "[per model: data, head]", "regmean: ", "[per model: data]",
                "floor", "alpha", "0.9", "patch_embedding", "ties");
    }
}
