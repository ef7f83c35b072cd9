package io.adamerge.adamerging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** The PyTorch AdaMerging reference ({@code ada_*}, {@code merge_*} in shared/reference) and comparisons with it. */
final class AdaReference {
    static final Path DIR = Path.of(System.getProperty("adamerge.shared", "../shared")).resolve("reference");
    static final Path CONFIG = DIR.resolve("vit_config.json");
    static final Path STEP = DIR.resolve("ada_step.safetensors");
    static final Path LAMBDA_INIT = DIR.resolve("ada_lambda_init.safetensors");
    static final Path PRE = DIR.resolve("merge_pre.safetensors");
    static final Path EXPECTED = DIR.resolve("merge_expected.safetensors");
    static final int TASKS = 3;

    private AdaReference() {
    }

    static Path finetuned(int k) {
        return DIR.resolve("merge_ft_" + k + ".safetensors");
    }

    static Path head(int k) {
        return DIR.resolve("ada_head_" + k + ".safetensors");
    }

    static Path images(int k) {
        return DIR.resolve("ada_images_" + k + ".safetensors");
    }

    static float[] read(Path file, String tensor) {
        try (Checkpoint c = Checkpoint.open(file)) {
            return c.readFloats(tensor);
        }
    }

    static List<String> layerKeys() {
        try (Checkpoint c = Checkpoint.open(STEP)) {
            return new ObjectMapper().readValue(c.metadata().get("layer_keys"), new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether row {@code r} is one whose true gradient is exactly zero (softmax ignores a shared key shift). */
    static boolean zeroGradientRow(List<String> keys, int r) {
        return keys.get(r).endsWith(".self_attn.k_proj.bias");
    }

    /** max |a − e| over the [rows, tasks] entries of rows that are compared. */
    static double maxAbsDiff(float[] actual, float[] expected, List<String> keys, int tasks) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            if (zeroGradientRow(keys, i / tasks)) {
                continue;
            }
            worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
        }
        return worst;
    }

    /** max |e| over the compared entries. */
    static double maxAbs(float[] expected, List<String> keys, int tasks) {
        double m = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!zeroGradientRow(keys, i / tasks)) {
                m = Math.max(m, Math.abs(expected[i]));
            }
        }
        return m;
    }
}
