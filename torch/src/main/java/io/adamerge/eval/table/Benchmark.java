package io.adamerge.eval.table;

import ai.djl.ndarray.NDManager;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.merge.search.SearchPool;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.model.Examples;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the main table's one run loop ({@link MainTable#run(Benchmark, MainTableConfig, io.adamerge.merge.MergeMethods,
 * MainTable.Listener)}) needs of a benchmark: its {@link ModelPool}, its labelled splits scored with each task's frozen
 * head, its unlabelled inputs for data-driven and test-time methods, and the identity its row cache is keyed by. Every
 * method kind then runs on every benchmark by the same code.
 */
sealed interface Benchmark extends AutoCloseable permits ImageBenchmark, TextMainTable.TextBenchmark {
    /** The labelled split an unlabelled input set is cut from. */
    enum Unlabelled { TRAIN, TEST }

    List<String> tasks();

    /** The zoo's folder, recipe hash and seed, as the result and the cache files record them. */
    String root();

    String recipeHash();

    long seed();

    /** A row's cache key: the zoo's identity and the row's settings ({@link MainTable#settings(TableRow, MainTableConfig)}). */
    String cacheKey(TableRow row, MainTableConfig cfg);

    /** The models' part of a search row's state key. */
    String modelHash();

    /** What the examples are called in notes and progress messages ({@code images}, {@code texts}). */
    String examples();

    /** The models (the engine starts on first use). */
    ModelPool models();

    /**
     * Top-1 accuracy (percent) of {@code weights} with each task's head on the first {@code limit} examples (0: all) of
     * {@code split}, in task order; {@code afterTask} is told each task as it is done.
     */
    Map<String, Double> accuracies(Evaluator.WeightsFor weights, SearchPool.Split split, int limit, NDManager manager,
                                   Consumer<String> afterTask);

    /** The first {@code limit} inputs (0: all) of a task's split, without labels, named {@code "<task> train|test"}. */
    Examples unlabelled(String task, Unlabelled split, int limit);

    /** How many examples a task's train split holds (for progress). */
    int trainSize(String task);

    /** The benchmark as a search pool (for supervised search rows). */
    SearchPool searchPool();

    /** Where the same pool is loaded from files (a cluster's executors); null: searches run in this process only. */
    SearchPoolSource source();

    /** The table's notes as this benchmark words them, with its own notes added. */
    List<String> notes(List<String> tableNotes);

    @Override
    void close();
}
