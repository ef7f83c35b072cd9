package io.adamerge.eval.table;

import ai.djl.ndarray.NDManager;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.search.ImageZooSource;
import io.adamerge.merge.search.SearchPool;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.model.Examples;
import io.adamerge.zoo.Zoo;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The image benchmark: a zoo's {@link ModelPool} (CLIP towers) and its {@link TaskPool} (labelled image splits, scored
 * with the zoo's frozen heads).
 *
 * @param source where a cluster's executors load the same pool from; null: searches run in this process only
 */
record ImageBenchmark(Zoo zoo, ModelPool models, TaskPool pool, SearchPoolSource source) implements Benchmark {
    /** The zoo's pool on {@code data} (the engine starts when a row is computed, not here). */
    static ImageBenchmark of(Zoo zoo, TaskPool.Splits data, SearchPoolSource source, MergeMethods registry) {
        ModelPool models = new ModelPool(zoo, registry);
        return new ImageBenchmark(zoo, models, TaskPool.of(models, data), source);
    }

    @Override
    public List<String> tasks() {
        return zoo.tasks();
    }

    @Override
    public String root() {
        return zoo.root().toString();
    }

    @Override
    public String recipeHash() {
        return zoo.manifest().recipeHash();
    }

    @Override
    public long seed() {
        return zoo.manifest().seed();
    }

    @Override
    public String cacheKey(TableRow row, MainTableConfig cfg) {
        return MainTable.cacheKey(zoo, row, cfg);
    }

    @Override
    public String modelHash() {
        return zoo.manifest().backboneSha256();
    }

    @Override
    public String examples() {
        return "images";
    }

    @Override
    public Map<String, Double> accuracies(Evaluator.WeightsFor weights, SearchPool.Split split, int limit, NDManager manager,
                                          Consumer<String> afterTask) {
        return pool.accuracies(models.tasks(), weights, split == SearchPool.Split.VALIDATION ? pool::validation : pool::test, limit, manager,
                afterTask);
    }

    @Override
    public Examples unlabelled(String task, Unlabelled split, int limit) {
        return split == Unlabelled.TRAIN ? pool.unlabelled(task + " train", pool.train(task), limit)
                : pool.unlabelled(task + " test", pool.test(task), limit);
    }

    @Override
    public int trainSize(String task) {
        return pool.train(task).size();
    }

    @Override
    public SearchPool searchPool() {
        return ImageZooSource.of(models, pool);
    }

    @Override
    public List<String> notes(List<String> tableNotes) {
        return tableNotes;
    }

    @Override
    public void close() {
        models.close();
    }
}
