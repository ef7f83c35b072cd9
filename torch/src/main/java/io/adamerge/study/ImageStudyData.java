package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.data.corrupt.Corruptions;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import io.adamerge.model.Examples;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The image benchmark's data for the studies: a zoo's {@link TaskPool}, the image corruptions. */
public record ImageStudyData(TaskPool pool) implements StudyData {
    @Override
    public TaskSplit train(String task) {
        return new TaskSplit.Images(pool.train(task));
    }

    @Override
    public TaskSplit validation(String task) {
        return new TaskSplit.Images(pool.validation(task));
    }

    @Override
    public TaskSplit test(String task) {
        return new TaskSplit.Images(pool.test(task));
    }

    @Override
    public TaskSplit first(TaskSplit split, int n) {
        ImageDataset d = images(split);
        if (n <= 0 || n >= d.size()) {
            return split;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return new TaskSplit.Images(d.subset(d.name(), idx));
    }

    @Override
    public List<String> corruptions() {
        return Arrays.stream(Corruption.values()).map(Corruption::id).toList();
    }

    @Override
    public TaskSplit corrupt(TaskSplit split, String corruption, int severity, long seed) {
        return new TaskSplit.Images(Corruptions.corrupt(images(split), Corruption.parse(corruption), severity, seed));
    }

    @Override
    public Examples unlabelled(TaskSplit split) {
        ImageDataset d = images(split);
        return pool.unlabelled(d.name(), d, 0);
    }

    @Override
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, TaskSplit split, NDManager manager) {
        return pool.evaluate(task, weights, images(split), 0, manager);
    }

    static ImageDataset images(TaskSplit split) {
        if (split instanceof TaskSplit.Images i) {
            return i.data();
        }
        throw new IllegalArgumentException(split.name() + " holds texts; the image benchmark takes images");
    }
}
