package io.adamerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.ImageDataset;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.PixelBatch;
import io.adamerge.train.PixelNormalization;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs an image encoder (given as a weight map) and a head over a labelled split, batch by batch, each batch in its own
 * sub-manager.
 */
public final class Evaluator {
    private final Encoder model;
    private final PixelNormalization pixels;
    private final int batchSize;

    public Evaluator(Encoder model, PixelNormalization pixels, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.pixels = pixels;
        this.batchSize = batchSize;
    }

    /** The weights to evaluate on a task: one merged model for every task, or each task's own model. */
    @FunctionalInterface
    public interface WeightsFor {
        Map<String, NDArray> of(String task);
    }

    /**
     * Top-1 accuracy (percent) of {@code weights} with each task's head on {@code split.apply(task)}, first
     * {@code limit} images (0: all), in {@code tasks} order; {@code afterTask} is told each task as it is done.
     */
    public Map<String, Double> accuracies(List<String> tasks, WeightsFor weights, Map<String, ClassificationHead> heads,
                                          Function<String, ImageDataset> split, int limit, NDManager parent, Consumer<String> afterTask) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String task : tasks) {
            ClassificationHead head = heads.get(task);
            if (head == null) {
                throw new IllegalArgumentException("no head for task '" + task + "'");
            }
            out.put(task, evaluate(task, weights.of(task), head, split.apply(task), limit, parent).accuracy());
            afterTask.accept(task);
        }
        return out;
    }

    /** The mean of per-task values (NaN for none). */
    public static double mean(Map<String, Double> perTask) {
        return perTask.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Accuracy, mean entropy and mean cross-entropy of {@code head} on the first {@code limit} images (0: all). */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, ClassificationHead head, ImageDataset data, int limit,
                                NDManager parent) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        LogitMetrics metrics = new LogitMetrics();
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = range(start, Math.min(n, start + batchSize));
            try (NDManager batch = parent.newSubManager()) {
                NDArray x = pixels.pixelValues(data, idx, batch);
                NDArray logits = head.logits(model.embed(weights, new PixelBatch(x)));
                int[] labels = Arrays.stream(idx).map(i -> data.labels()[i]).toArray();
                metrics.add(logits.toFloatArray(), head.numClasses(), labels);
            }
        }
        return metrics.result(task);
    }

    /** The tower's embeddings of the first {@code limit} images (0: all), row-major [n, dim]. */
    public float[] embeddings(Map<String, NDArray> weights, ImageDataset data, int limit, NDManager parent) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        int dim = model.embeddingDim();
        float[] out = new float[n * dim];
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = range(start, Math.min(n, start + batchSize));
            try (NDManager batch = parent.newSubManager()) {
                float[] e = model.embed(weights, new PixelBatch(pixels.pixelValues(data, idx, batch))).toFloatArray();
                System.arraycopy(e, 0, out, start * dim, e.length);
            }
        }
        return out;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
