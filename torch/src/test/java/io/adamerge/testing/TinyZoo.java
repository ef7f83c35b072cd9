package io.adamerge.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.eval.TaskPool;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightIO;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooFiles;
import io.adamerge.zoo.ZooManifest;
import io.adamerge.zoo.ZooRecipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A zoo of tiny towers written to disk in a zoo's layout (pretrained, per-task fine-tuned models and heads, a multi-task
 * model, {@code zoo.json}), with synthetic labelled splits (which quadrant of an 8×8 image is bright), for fast tests of
 * what runs on a zoo: the main table, the studies, the zoo report. Fine-tuned towers are the pretrained one plus seeded
 * noise, so merges differ from each other and from every input.
 *
 * @param zoo    the zoo
 * @param splits every task's train / validation / test images (4 classes)
 */
public record TinyZoo(Zoo zoo, TaskPool.Splits splits) {
    public static final List<String> TASKS = List.of("mnist", "fashion", "kana-10");
    static final VitConfig CONFIG = new VitConfig(8, 4, 1, 16, 1, 2, 32, 0, 1e-5, io.adamerge.model.HiddenAct.GELU);
    static final ImageSpec SPEC = new ImageSpec(1, 8, 8);
    static final List<String> CLASSES = List.of("top-left", "top-right", "bottom-left", "bottom-right");

    /** Writes the zoo into {@code dir}. */
    public static TinyZoo create(Path dir) {
        ZooRecipe d = ZooRecipe.defaults();
        ZooRecipe recipe = new ZooRecipe(new ZooRecipe.Architecture(8, 4, 1, 16, 1, 2, 32, "gelu", 0, 1e-5), d.pixels(),
                d.pretraining(), d.probe(), d.finetuning(), d.multitask(), new ZooRecipe.Evaluation(16, 0, 0),
                new ZooRecipe.Report(List.of(0.1, 0.3), 3, 0.6, 0, 0, 0), TASKS, d.dataSeed());
        List<ZooManifest.TaskEntry> entries = new ArrayList<>();
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = VitInit.random(CONFIG, m, 1);
            WeightIO.save(pre, dir.resolve("pretrained"), CONFIG, null);
            WeightIO.save(perturbed(pre, 99, 0.02f, m), dir.resolve("multitask"), CONFIG, null);
            Random r = new Random(5);
            for (int k = 0; k < TASKS.size(); k++) {
                String task = TASKS.get(k);
                WeightIO.save(perturbed(pre, 10 + k, 0.05f, m), dir.resolve("models").resolve(task), CONFIG, null);
                float[] w = new float[4 * CONFIG.embeddingDim()];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) r.nextGaussian();
                }
                Path head = dir.resolve("heads").resolve(task + ".safetensors");
                ClassificationHead.save(head, FloatTensor.of(w, 4, CONFIG.embeddingDim()), FloatTensor.of(new float[4], 4), false);
                entries.add(new ZooManifest.TaskEntry(task, CLASSES, "models/" + task, "heads/" + task + ".safetensors"));
            }
        }
        ZooFiles.writeJson(dir.resolve(ZooFiles.MANIFEST), new ZooManifest(ZooManifest.VERSION, "tiny", 7, recipe, "tiny-backbone",
                "pretrained", "multitask", entries, "2026-01-01T00:00:00Z", 0));
        return open(dir);
    }

    /** The zoo written by {@link #create} in {@code dir}, with its synthetic splits (the same images every time). */
    public static TinyZoo open(Path dir) {
        return new TinyZoo(Zoo.open(dir), syntheticSplits());
    }

    /** Every task's train / validation / test images: seeded, so equal across calls and JVMs. */
    public static TaskPool.Splits syntheticSplits() {
        Map<String, ImageDataset[]> data = new LinkedHashMap<>();
        for (int k = 0; k < TASKS.size(); k++) {
            data.put(TASKS.get(k), new ImageDataset[] {quadrants(48, 100 + k), quadrants(24, 200 + k), quadrants(40, 300 + k)});
        }
        return new TaskPool.Splits() {
            @Override
            public ImageDataset train(String task) {
                return data.get(task)[0];
            }

            @Override
            public ImageDataset validation(String task) {
                return data.get(task)[1];
            }

            @Override
            public ImageDataset test(String task) {
                return data.get(task)[2];
            }
        };
    }

    /** θ_pre + λ · Σ_k (θ_k − θ_pre) with NDArray operations, in the official code's order (an independent reference). */
    public static Map<String, NDArray> taskArithmetic(Map<String, NDArray> pre, List<Map<String, NDArray>> finetuned, double lambda,
                                                      NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        pre.forEach((name, p) -> {
            NDArray sum = null;
            for (Map<String, NDArray> ft : finetuned) {
                NDArray t = ft.get(name).sub(p);
                sum = sum == null ? t : sum.add(t);
            }
            NDArray merged = p.add(sum.mul((float) lambda));
            merged.attach(into);
            out.put(name, merged);
        });
        return out;
    }

    /** A model folder's weights file. */
    public Path weightsFile(String task) {
        return (task == null ? zoo.pretrainedDir() : zoo.modelDir(task)).resolve("model.safetensors");
    }

    private static Map<String, NDArray> perturbed(Map<String, NDArray> pre, long seed, float scale, NDManager m) {
        Random r = new Random(seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        pre.forEach((name, a) -> {
            float[] v = a.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (r.nextGaussian() * scale);
            }
            out.put(name, m.create(v, a.getShape()));
        });
        return out;
    }

    /** n images of 8×8: the bright quadrant is the label. */
    public static ImageDataset quadrants(int n, long seed) {
        Random rng = new Random(seed);
        float[] px = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int q = rng.nextInt(4);
            labels[i] = q;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean bright = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == q;
                    px[i * 64 + y * 8 + x] = (float) Math.min(1, Math.max(0, (bright ? 0.8 : 0.2) + 0.1 * rng.nextGaussian()));
                }
            }
        }
        return new ImageDataset("quadrants-" + seed, SPEC, px, labels, CLASSES);
    }
}
