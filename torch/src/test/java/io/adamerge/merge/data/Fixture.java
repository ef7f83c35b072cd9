package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The reference merge fixture: three fine-tuned tiny towers with heads and 8 images each. */
final class Fixture {
    static final Path DIR = Path.of(System.getProperty("adamerge.shared", "../shared")).resolve("reference");
    static final Path CONFIG = DIR.resolve("vit_config.json");
    static final Path EXPECTED = DIR.resolve("merge_expected.safetensors");

    private Fixture() {
    }

    static ClipVisionModel.Loaded finetuned(int k, NDManager m) {
        return ClipVisionModel.load(DIR.resolve("merge_ft_" + k + ".safetensors"), CONFIG, m);
    }

    static DataMergeInput.Task task(int k, NDManager m) {
        return new DataMergeInput.Task("task" + k, finetuned(k, m).weights(),
                ClassificationHead.load(DIR.resolve("ada_head_" + k + ".safetensors"), m),
                TaskImages.readSafetensors(DIR.resolve("ada_images_" + k + ".safetensors")));
    }

    static DataMergeInput input(NDManager m, int... models) {
        List<DataMergeInput.Task> tasks = new ArrayList<>();
        for (int k : models) {
            tasks.add(task(k, m));
        }
        return new DataMergeInput(finetuned(0, m).model(), tasks);
    }

    static float[] expected(String method, String tensor) {
        try (Checkpoint c = Checkpoint.open(EXPECTED)) {
            return c.readFloats(method + "/" + tensor);
        }
    }

    /** max |a − b| / max(1, max |b|). */
    static double relDiff(float[] a, float[] b) {
        double scale = 1;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            scale = Math.max(scale, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
        }
        return worst / scale;
    }

    static double maxRelDiff(Map<String, NDArray> a, Map<String, NDArray> b) {
        double worst = 0;
        for (String k : b.keySet()) {
            worst = Math.max(worst, relDiff(a.get(k).toFloatArray(), b.get(k).toFloatArray()));
        }
        return worst;
    }
}
