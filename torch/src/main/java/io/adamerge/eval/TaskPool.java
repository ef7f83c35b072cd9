package io.adamerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.ImageDataset;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.zoo.ZooData;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The tasks of a merging experiment (FusionBench's task pool): each task's labelled train / validation / test splits,
 * their unlabelled images for data-driven and test-time methods, and the evaluator that scores any weights of the
 * {@link ModelPool}'s tower with each task's own head. Shared by the main table, the studies and the zoo report.
 */
public final class TaskPool {
    /** Where each task's labelled splits come from (a zoo's data, or images made by a test). */
    public interface Splits {
        ImageDataset train(String task);

        ImageDataset validation(String task);

        ImageDataset test(String task);

        /** The splits of a zoo's data. */
        static Splits of(ZooData data) {
            return new Splits() {
                @Override
                public ImageDataset train(String task) {
                    return data.train(task);
                }

                @Override
                public ImageDataset validation(String task) {
                    return data.validation(task);
                }

                @Override
                public ImageDataset test(String task) {
                    return data.test(task);
                }
            };
        }
    }

    private final ModelPool models;
    private final Splits data;
    private final int batchSize;
    private Evaluator evaluator;

    /** @param batchSize images per forward pass of an evaluation */
    public TaskPool(ModelPool models, Splits data, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.models = models;
        this.data = data;
        this.batchSize = batchSize;
    }

    /** The pool of the zoo's tasks, evaluated in batches of the zoo recipe's evaluation batch. */
    public static TaskPool of(ModelPool models, ZooData data) {
        return of(models, Splits.of(data));
    }

    /** As {@link #of(ModelPool, ZooData)} for any splits. */
    public static TaskPool of(ModelPool models, Splits data) {
        return new TaskPool(models, data, models.zoo().recipe().evaluation().batch());
    }

    public ModelPool models() {
        return models;
    }

    public List<String> tasks() {
        return models.tasks();
    }

    public ImageDataset train(String task) {
        return data.train(models.checkTask(task));
    }

    public ImageDataset validation(String task) {
        return data.validation(models.checkTask(task));
    }

    public ImageDataset test(String task) {
        return data.test(models.checkTask(task));
    }

    /** The first {@code limit} images of {@code images} (0: all), normalised for the pool's tower, without labels. */
    public TaskImages unlabelled(String source, ImageDataset images, int limit) {
        int n = limit > 0 ? Math.min(limit, images.size()) : images.size();
        float[] values = Arrays.copyOf(images.pixels(), n * images.spec().pixels());
        models.pixels().applyInPlace(values);
        return new TaskImages(source, n, images.spec().channels(), images.spec().height(), images.spec().width(), values);
    }

    public synchronized Evaluator evaluator() {
        if (evaluator == null) {
            evaluator = new Evaluator(models.model(), models.pixels(), batchSize);
        }
        return evaluator;
    }

    /**
     * Top-1 accuracy (percent) of {@code weights} with each task's head on the first {@code limit} images (0: all) of
     * {@code split}, in {@code tasks} order; {@code afterTask} is told each task as it is done.
     */
    public Map<String, Double> accuracies(List<String> tasks, Evaluator.WeightsFor weights, Function<String, ImageDataset> split,
                                          int limit, NDManager manager, Consumer<String> afterTask) {
        return evaluator().accuracies(tasks, weights, models.heads(tasks), split, limit, manager, afterTask);
    }

    /** Accuracy, entropy and cross-entropy of {@code weights} with {@code task}'s head on {@code images} (all of them). */
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, ImageDataset images, int limit, NDManager manager) {
        return evaluator().evaluate(task, weights, models.head(task), images, limit, manager);
    }
}
