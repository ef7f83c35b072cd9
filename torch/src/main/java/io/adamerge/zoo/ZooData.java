package io.adamerge.zoo;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.task.BenchmarkTasks;
import io.adamerge.data.task.TaskSplits;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The task splits a zoo is built from, loaded on first use (from the data module's cache) and kept in memory. */
public final class ZooData {
    private final BenchmarkTasks tasks;
    private final ImageSpec spec;
    private final DataDirectory directory;
    private final Map<String, TaskSplits> loaded = new HashMap<>();

    public ZooData(DataDirectory directory, long dataSeed, ImageSpec spec) {
        this.tasks = new BenchmarkTasks(directory, dataSeed);
        this.spec = spec;
        this.directory = directory;
    }

    /** The data folder the splits are cut from. */
    public DataDirectory directory() {
        return directory;
    }

    public ImageSpec spec() {
        return spec;
    }

    public long dataSeed() {
        return tasks.seed();
    }

    public synchronized TaskSplits splits(String task) {
        return loaded.computeIfAbsent(task, t -> tasks.load(t, spec));
    }

    /** The task's class names, without loading its images. */
    public List<String> classNames(String task) {
        return BenchmarkTasks.info(task).classNames();
    }

    public ImageDataset train(String task) {
        return splits(task).train();
    }

    public ImageDataset validation(String task) {
        return splits(task).validation();
    }

    public ImageDataset test(String task) {
        return splits(task).test();
    }

    /** The first {@code limit} images of {@code data} (0 or more than it has: all of them). */
    static ImageDataset firstImages(ImageDataset data, int limit) {
        if (limit <= 0 || limit >= data.size()) {
            return data;
        }
        int[] idx = new int[limit];
        for (int i = 0; i < limit; i++) {
            idx[i] = i;
        }
        return data.subset(data.name(), idx);
    }
}
