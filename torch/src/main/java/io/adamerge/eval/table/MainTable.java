package io.adamerge.eval.table;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.merge.data.FisherMerging;
import io.adamerge.merge.data.RegMean;
import io.adamerge.merge.testtime.AdaMergingMethod;
import io.adamerge.merge.search.CoefficientSearchMethod;
import io.adamerge.merge.search.ImageZooSource;
import io.adamerge.merge.search.PopulationRunner;
import io.adamerge.merge.search.SearchJob;
import io.adamerge.merge.search.SearchPool;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.merge.search.SearchScorer;
import io.adamerge.merge.testtime.TestTimeMerge;
import io.adamerge.model.Examples;
import io.adamerge.search.CoefficientSearch;
import io.adamerge.search.SearchObjective;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import io.adamerge.zoo.ZooFiles;
import io.adamerge.zoo.ZooRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The paper's main table on a zoo: per-task top-1 accuracy on the test splits, and their average, of every
 * {@link TableRow} — the reference models and any method of the one merge registry under the table's protocol.
 * One run loop for every benchmark ({@link Benchmark}: the image zoo's {@link ModelPool} and {@link TaskPool}, the text
 * zoo's in {@link TextMainTable}): methods run on the benchmark's {@link ModelPool} and are scored on its labelled splits;
 * which code computes a row follows from the method's kind (data-free in memory through core's executor passes,
 * data-driven, test-time, supervised search, {@code *_best}), never from its name or the benchmark. Task vectors are T_k = θ_k − θ_pre of the zoo's fine-tuned models; heads are the zoo's frozen heads and are
 * never merged.
 *
 * <p>Each row (and a test-time method's learnt coefficients) is cached in {@link MainTableConfig#cacheDir()} under a
 * key of the zoo (recipe hash, seed, backbone hash, tasks; each benchmark's own formula, {@link Benchmark#cacheKey}) and
 * the row's settings ({@link #settings}), so a rerun
 * with the same settings only reads files, without starting the engine.
 */
public final class MainTable {
    /** Part of every cache key: bump when a method computes something different for the same settings. */
    static final String CODE_VERSION = "main-table-2";

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private MainTable() {
    }

    /**
     * One row's result.
     *
     * @param method            the row's id
     * @param avg               mean over tasks of {@code perTask}, percent
     * @param perTask           top-1 test accuracy per task, percent, in task order
     * @param seconds           time the row took when it was computed (a cached row keeps that time)
     * @param cached            whether this run read the row from the cache
     * @param chosenLambda      the λ chosen on validation ({@code *_best}), else null
     * @param validationAverage for {@code *_best}: the average validation accuracy of every λ of the grid, else empty
     * @param coefficients      a test-time method's learnt coefficients (a search's best ones), else null
     * @param search            a supervised search's trace, else null
     */
    public record Row(String method, double avg, Map<String, Double> perTask, double seconds, boolean cached, Double chosenLambda,
                      Map<String, Double> validationAverage, Coefficients coefficients, SearchTrace search) {
        public Row {
            perTask = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perTask));
            validationAverage = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validationAverage));
        }

        /** A row that is not a search. */
        public Row(String method, double avg, Map<String, Double> perTask, double seconds, boolean cached, Double chosenLambda,
                   Map<String, Double> validationAverage, Coefficients coefficients) {
            this(method, avg, perTask, seconds, cached, chosenLambda, validationAverage, coefficients, null);
        }
    }

    /**
     * What a supervised search row did, for its notes and its plot.
     *
     * @param algorithm              {@code random} or {@code cmaes}
     * @param objective              {@code accuracy} or {@code loss}
     * @param evaluations            merged models scored on the validation splits (the budget, unless the optimiser stopped)
     * @param seconds                wall time of those evaluations (over every run that added to the search's state file)
     * @param resumed                evaluations read from the state file instead of computed in this run
     * @param evaluator              where they were computed ({@code in-process}, {@code Spark local[2]}, ...)
     * @param validationAccuracy     each candidate's mean validation accuracy, in evaluation order
     * @param bestValidationAccuracy for n = 1..evaluations: the mean validation accuracy of the best of the first n candidates
     * @param bestTestAccuracy       for n = 1..evaluations: the mean test accuracy of that candidate (computed for the plot only,
     *                               never used to choose)
     * @param bestIndex              the chosen candidate's index
     */
    public record SearchTrace(String algorithm, String objective, int evaluations, double seconds, int resumed, String evaluator,
                              List<Double> validationAccuracy, List<Double> bestValidationAccuracy, List<Double> bestTestAccuracy,
                              int bestIndex) {
        public SearchTrace {
            validationAccuracy = List.copyOf(validationAccuracy);
            bestValidationAccuracy = List.copyOf(bestValidationAccuracy);
            bestTestAccuracy = List.copyOf(bestTestAccuracy);
        }
    }

    /**
     * The table: rows in {@link MainTableConfig#methods()} order.
     *
     * @param notes how the rows were computed, one sentence each, for the table's notes
     */
    public record Result(List<String> tasks, List<Row> rows, String zoo, String recipeHash, long seed, MainTableConfig config,
                         double seconds, List<String> notes) {
        public Row row(String id) {
            return rows.stream().filter(r -> r.method().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("the table has no row '" + id + "'"));
        }
    }

    /** Progress of a run, for progress bars; rows are named by their ids. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /** A row starts; {@code work} units of {@link #advanced} follow (0 when it is read from the cache). */
        default void started(String row, long work) {
        }

        default void advanced(String row, String message) {
        }

        /** {@code units} units of work are done at once (a data merge's batch of images). */
        default void advanced(String row, long units, String message) {
            for (long i = 0; i < units; i++) {
                advanced(row, message);
            }
        }

        default void finished(String row, Row result) {
        }
    }

    /** Checks every row name of {@code cfg} before anything is loaded; the message lists the known rows. */
    public static List<TableRow> rows(MainTableConfig cfg, MergeMethods registry) {
        return cfg.methods().stream().map(id -> TableRow.resolve(id, cfg, registry)).toList();
    }

    public static Result run(Zoo zoo, ZooData data, MainTableConfig cfg, Listener listener) {
        return run(zoo, data, cfg, MergeMethods.discover(), listener);
    }

    /** The table with the methods of {@code registry}. */
    public static Result run(Zoo zoo, ZooData data, MainTableConfig cfg, MergeMethods registry, Listener listener) {
        return run(zoo, TaskPool.Splits.of(data), new ImageZooSource(zoo.root().toAbsolutePath().toString(),
                data.directory().root().toAbsolutePath().toString()), cfg, registry, listener);
    }

    /** The table on any labelled splits of the zoo's tasks (search rows run in this process only). */
    public static Result run(Zoo zoo, TaskPool.Splits data, MainTableConfig cfg, MergeMethods registry, Listener listener) {
        return run(zoo, data, null, cfg, registry, listener);
    }

    /**
     * The table on labelled splits of the zoo's tasks; {@code source} (may be null) loads the same pool from files, for
     * search rows evaluated on a cluster ({@link MainTableConfig#spark()}).
     */
    public static Result run(Zoo zoo, TaskPool.Splits data, SearchPoolSource source, MainTableConfig cfg, MergeMethods registry,
                             Listener listener) {
        return run(ImageBenchmark.of(zoo, data, source, registry), cfg, registry, listener);
    }

    /**
     * The table on any benchmark, by one run loop: each row read from the cache, or computed by the code of its method's
     * kind on the benchmark's pool and cached. Closes the benchmark.
     */
    static Result run(Benchmark benchmark, MainTableConfig cfg, MergeMethods registry, Listener listener) {
        long t0 = System.nanoTime();
        try (benchmark) {
            List<String> tasks = benchmark.tasks();
            List<TableRow> rows = rows(cfg, registry);
            List<Row> results = new ArrayList<>();
            for (TableRow row : rows) {
                String key = benchmark.cacheKey(row, cfg);
                Optional<Row> hit = cfg.force() ? Optional.empty() : readCache(cfg.cacheDir(), row.id(), key, tasks);
                if (hit.isPresent()) {
                    listener.started(row.id(), 0);
                    listener.finished(row.id(), hit.get());
                    results.add(hit.get());
                    continue;
                }
                listener.started(row.id(), work(row, cfg, benchmark));
                long start = System.nanoTime();
                Row computed = compute(row, benchmark, cfg, searchKey(benchmark.recipeHash(), benchmark.seed(), benchmark.modelHash(), tasks,
                        row, cfg), listener);
                Row result = new Row(computed.method(), computed.avg(), computed.perTask(), (System.nanoTime() - start) / 1e9, false,
                        computed.chosenLambda(), computed.validationAverage(), computed.coefficients(), computed.search());
                writeCache(cfg.cacheDir(), row, key, result, benchmark, cfg);
                listener.finished(row.id(), result);
                results.add(result);
            }
            return new Result(tasks, results, benchmark.root(), benchmark.recipeHash(), benchmark.seed(), cfg, (System.nanoTime() - t0) / 1e9,
                    benchmark.notes(notes(cfg, rows)));
        }
    }

    /** What a row's result depends on besides the zoo: the part of its cache key that is settings. */
    public static Map<String, Object> settings(String row, MainTableConfig cfg) {
        return settings(TableRow.resolve(row, cfg, MergeMethods.discover()), cfg);
    }

    static Map<String, Object> settings(TableRow row, MainTableConfig cfg) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("test_images", cfg.testImages());
        if (row.reference() != null) {
            return s;
        }
        s.put("method", row.method().name());
        if (!row.parameters().isEmpty()) {
            s.put("parameters", row.parameters());
        }
        if (row.chosenOnValidation() != null) {
            s.put(row.chosenOnValidation() + "_grid", row.grid(cfg));
            s.put("validation_images", cfg.validationImages());
        }
        switch (row.method().kind()) {
            case DATA_DRIVEN -> s.put("split", "train");
            case TEST_TIME -> {
                s.put("ada_images", cfg.adaImages());
                s.put("split", "test");
            }
            case SEARCH -> {
                s.put("validation_images", cfg.validationImages());
                s.put("split", "validation");
            }
            case DATA_FREE -> {
            }
        }
        return s;
    }

    static String cacheKey(Zoo zoo, TableRow row, MainTableConfig cfg) {
        String key = ZooRecipe.hash(CODE_VERSION, zoo.manifest().recipeHash(), zoo.manifest().seed(), zoo.manifest().backboneSha256(),
                zoo.tasks(), row.id(), settings(row, cfg));
        // rows computed on another GEMM path round differently (no tag on the default path: earlier caches stay valid)
        String gemm = io.adamerge.model.TorchRuntime.gemmPath().cacheTag();
        return gemm.isEmpty() ? key : ZooRecipe.hash(key, gemm);
    }

    private static long work(TableRow row, MainTableConfig cfg, Benchmark benchmark) {
        int tasks = benchmark.tasks().size();
        if (row.chosenOnValidation() != null) {
            return (long) (row.grid(cfg).size() + 1) * tasks;
        }
        if (row.method() instanceof TestTimeMerge t) {
            return t.steps(parameters(row)) + tasks;
        }
        if (row.method() instanceof CoefficientSearchMethod) {
            return parameters(row).integer("budget") + tasks;
        }
        if (row.method() instanceof DataMergeMethod) {
            // one unit per sampled training example (dataMerge uses all of them), then one per tested task
            MergeParameters p = parameters(row);
            boolean sampled = row.method().parameters().stream().anyMatch(x -> x.name().equals("samples"));
            long samples = sampled ? p.integer("samples") : Long.MAX_VALUE;
            return benchmark.tasks().stream().mapToLong(t -> Math.min(samples, benchmark.trainSize(t))).sum() + tasks;
        }
        return tasks;
    }

    /** The row's parameter values resolved against the method's declarations (one value per model for every task). */
    static MergeParameters parameters(TableRow row) {
        return MergeParameters.resolve(row.method(), row.parameters(), List.of(), 1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // computing a row

    private static Row compute(TableRow row, Benchmark benchmark, MainTableConfig cfg, String searchKey, Listener listener) {
        ModelPool models = benchmark.models();
        List<String> tasks = benchmark.tasks();
        try (NDManager m = models.manager().newSubManager()) {
            if (row.reference() != null) {
                return switch (row.reference()) {
                    case PRETRAINED -> test(row, t -> models.pretrained(), benchmark, cfg, m, listener);
                    case INDIVIDUAL -> test(row, models::finetuned, benchmark, cfg, m, listener);
                    case MULTITASK -> {
                        Map<String, NDArray> mtl = models.multitask(m);
                        yield test(row, t -> mtl, benchmark, cfg, m, listener);
                    }
                };
            }
            MergeMethodInfo method = row.method();
            if (row.chosenOnValidation() != null) {
                return best(row, benchmark, cfg, m, listener);
            }
            if (method instanceof MergeMethod) {
                Map<String, NDArray> merged = models.merge(method.name(), row.parameters(), tasks, m);
                return test(row, t -> merged, benchmark, cfg, m, listener);
            }
            if (method instanceof DataMergeMethod data) {
                return dataMerge(row, data, benchmark, cfg, m, listener);
            }
            if (method instanceof TestTimeMerge testTime) {
                return testTime(row, testTime, benchmark, cfg, m, listener);
            }
            if (method instanceof CoefficientSearchMethod search) {
                return search(row, search, benchmark.searchPool(), benchmark.source(), cfg, searchKey, stateFile(cfg, row.id(), searchKey),
                        listener);
            }
            throw new IllegalArgumentException(method.name() + " is a " + method.kind().label() + " method that no module on the "
                    + "class path computes (" + method.getClass().getName() + ")");
        }
    }

    private static Row test(TableRow row, Evaluator.WeightsFor weights, Benchmark benchmark, MainTableConfig cfg, NDManager m,
                            Listener listener) {
        Map<String, Double> perTask = benchmark.accuracies(weights, SearchPool.Split.TEST, cfg.testImages(), m,
                t -> listener.advanced(row.id(), t));
        return new Row(row.id(), Evaluator.mean(perTask), perTask, 0, false, null, Map.of(), null);
    }

    /**
     * The λ of the grid whose merge has the best average validation accuracy (the smallest such λ on a tie), then
     * that merge on the test splits. When λ is the method's scale parameter (α of the spectral merges, λ of Task
     * Arithmetic) the merged task vector is computed once and rescaled for every λ: the same weights, one
     * decomposition instead of one per λ.
     */
    private static Row best(TableRow row, Benchmark benchmark, MainTableConfig cfg, NDManager m, Listener listener) {
        String symbol = TableRow.SEARCHED_ALPHA.equals(row.chosenOnValidation()) ? "α" : "λ";
        Choice choice = choose(row, cfg, benchmark.models(), benchmark.tasks(), m, (merged, lambda, scope) ->
                Evaluator.mean(benchmark.accuracies(t -> merged, SearchPool.Split.VALIDATION, cfg.validationImages(), scope,
                        t -> listener.advanced(row.id(), String.format(Locale.ROOT, "%s %.2f %s", symbol, lambda, t)))));
        Row r = test(row, t -> choice.weights(), benchmark, cfg, m, listener);
        return new Row(r.method(), r.avg(), r.perTask(), 0, false, choice.value(), choice.validation(), null);
    }
    /** The average validation accuracy of a merge made with one value of a row's grid. */
    @FunctionalInterface
    interface ValidationScore {
        double average(Map<String, NDArray> merged, double value, NDManager scope);
    }

    /**
     * A {@code *_best} row's choice: the chosen value, every value's validation average (by {@link #lambdaLabel}) and the
     * merge with the chosen value.
     */
    record Choice(double value, Map<String, Double> validation, Map<String, NDArray> weights) {
    }

    /**
     * Merges with every value of the row's grid, scores each on validation and keeps the best (the smallest on a tie), for
     * every benchmark. When the searched parameter is the method's scale parameter the merged task vector is computed once
     * and rescaled per value.
     *
     * @param m manager of the chosen merge
     */
    static Choice choose(TableRow row, MainTableConfig cfg, ModelPool models, List<String> tasks, NDManager m, ValidationScore score) {
        MergeMethod method = (MergeMethod) row.method();
        boolean rescaled = method.scaleParameter().filter(row.chosenOnValidation()::equals).isPresent();
        ModelPool.Scalable scalable = rescaled ? models.scalable(method.name(), row.parameters(), tasks) : null;
        Map<String, Double> validation = new LinkedHashMap<>();
        double bestLambda = Double.NaN;
        double bestAvg = Double.NEGATIVE_INFINITY;
        for (double lambda : row.grid(cfg)) {
            try (NDManager scope = m.newSubManager()) {
                Map<String, NDArray> merged = scalable != null ? scalable.at(lambda, scope)
                        : models.merge(method.name(), with(row, lambda), tasks, scope);
                double avg = score.average(merged, lambda, scope);
                validation.put(lambdaLabel(lambda), avg);
                if (avg > bestAvg) {
                    bestAvg = avg;
                    bestLambda = lambda;
                }
            }
        }
        Map<String, NDArray> chosen = scalable != null ? scalable.at(bestLambda, m)
                : models.merge(method.name(), with(row, bestLambda), tasks, m);
        return new Choice(bestLambda, validation, chosen);
    }

    static Map<String, Object> with(TableRow row, double lambda) {
        Map<String, Object> p = new LinkedHashMap<>(row.parameters());
        p.put(row.chosenOnValidation(), lambda);
        return p;
    }

    /** How a λ is written in {@link Row#validationAverage()}. */
    public static String lambdaLabel(double lambda) {
        return Double.toString(lambda);
    }

    private static Row dataMerge(TableRow row, DataMergeMethod method, Benchmark benchmark, MainTableConfig cfg, NDManager m,
                                 Listener listener) {
        ModelPool models = benchmark.models();
        DataMergeMethod configured = method.configure(parameters(row));
        List<DataMergeInput.Task> inputs = new ArrayList<>();
        for (String task : benchmark.tasks()) {
            inputs.add(new DataMergeInput.Task(task, models.finetuned(task), models.head(task),
                    benchmark.unlabelled(task, Benchmark.Unlabelled.TRAIN, 0)));
        }
        long[] reported = {0};
        Map<String, NDArray> merged = configured.merge(new DataMergeInput(models.encoder(), inputs), m, (done, total) -> {
            listener.advanced(row.id(), done - reported[0], "merging: " + done + "/" + total + " " + benchmark.examples());
            reported[0] = done;
        });
        return test(row, t -> merged, benchmark, cfg, m, listener);
    }

    /** Every test-time method (AdaMerging, AdaRank, ...) on the first ada-images unlabelled test inputs of each task. */
    private static Row testTime(TableRow row, TestTimeMerge method, Benchmark benchmark, MainTableConfig cfg, NDManager m,
                                Listener listener) {
        List<Examples> unlabelled = new ArrayList<>();
        for (String task : benchmark.tasks()) {
            unlabelled.add(benchmark.unlabelled(task, Benchmark.Unlabelled.TEST, cfg.adaImages()));
        }
        TestTimeMerge.Outcome outcome = learn(row, method, benchmark.models(), unlabelled, listener, m);
        Row r = test(row, t -> outcome.merged(), benchmark, cfg, m, listener);
        return new Row(r.method(), r.avg(), r.perTask(), 0, false, null, Map.of(), outcome.coefficients());
    }

    /**
     * A test-time row's method on any benchmark: it learns from {@code unlabelled} (one set per task of the pool, in
     * order: the first {@link MainTableConfig#adaImages()} test inputs, never their labels) and merges on {@code m}.
     */
    static TestTimeMerge.Outcome learn(TableRow row, TestTimeMerge method, ModelPool models, List<? extends Examples> unlabelled,
                                       Listener listener, NDManager m) {
        return method.run(models, models.tasks(), unlabelled, parameters(row),
                (step, loss, c) -> listener.advanced(row.id(), String.format(Locale.ROOT, "loss %.4f", loss)), m);
    }

    /**
     * What a search's state depends on: the zoo, the row and its settings except the budget, so that a rerun with a larger
     * budget continues the same search.
     */
    static String searchKey(String recipeHash, long seed, String modelHash, List<String> tasks, TableRow row, MainTableConfig cfg) {
        if (!(row.method() instanceof CoefficientSearchMethod)) {
            return null;
        }
        Map<String, Object> s = new LinkedHashMap<>(settings(row, cfg));
        Map<String, Object> p = new LinkedHashMap<>(row.parameters());
        p.remove("budget");
        s.put("parameters", p);
        s.remove("test_images");
        return ZooRecipe.hash(CODE_VERSION, recipeHash, seed, modelHash, tasks, row.id(), s, io.adamerge.model.TorchRuntime.gemmPath().cacheTag());
    }

    /** Where a search row keeps its state: beside the row's cache entry, named by its search key; null without a cache. */
    static Path stateFile(MainTableConfig cfg, String row, String searchKey) {
        return cfg.cacheDir() == null || searchKey == null ? null : cfg.cacheDir().resolve("search").resolve(row + "-" + searchKey + ".state.json");
    }

    /**
     * A supervised search row on any benchmark's pool: the search (in this process, or on {@link MainTableConfig#spark()}),
     * resumed from {@code state} if it holds this search; then the chosen candidate on the test splits, and every
     * best-so-far candidate on the test splits for the plot (never used to choose).
     */
    static Row search(TableRow row, CoefficientSearchMethod method, SearchPool pool, SearchPoolSource source, MainTableConfig cfg,
                      String searchKey, Path state, Listener listener) {
        MergeParameters p = parameters(row);
        SearchJob job = method.job(source, p, cfg.validationImages());
        if (cfg.force() && state != null) {
            try {
                Files.deleteIfExists(state);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(state + ": cannot delete the search state (" + e.getMessage() + ")", e);
            }
        }
        try (SearchScorer scorer = new SearchScorer(pool, job);
             PopulationRunner.Session session = PopulationRunner.open(cfg.spark(), job, scorer)) {
            int[] reported = {0};
            CoefficientSearch.Result result = method.run(scorer.dimension(), session, p, searchKey, state, (done, budget, best) -> {
                listener.advanced(row.id(), done - reported[0], String.format(Locale.ROOT, "%d/%d evaluations, best validation %.2f",
                        done, budget, best.accuracy()));
                reported[0] = done;
            });
            SearchObjective objective = method.settings(p).objective();
            int[] curve = result.bestSoFar(objective);
            Map<Integer, Double> testOf = new LinkedHashMap<>();
            Map<String, Double> chosen = null;
            for (int index : curve) {
                if (!testOf.containsKey(index)) {
                    Map<String, Double> acc = scorer.test(result.evaluations().get(index).point(), cfg.testImages());
                    testOf.put(index, Evaluator.mean(acc));
                    if (index == result.bestIndex()) {
                        chosen = acc;
                    }
                }
            }
            pool.tasks().forEach(t -> listener.advanced(row.id(), t));
            List<Double> validation = result.evaluations().stream().map(io.adamerge.search.Evaluation::accuracy).toList();
            List<Double> bestValidation = new ArrayList<>();
            List<Double> bestTest = new ArrayList<>();
            for (int index : curve) {
                bestValidation.add(result.evaluations().get(index).accuracy());
                bestTest.add(testOf.get(index));
            }
            SearchTrace trace = new SearchTrace(method.algorithm().label(), objective.label(), result.evaluations().size(), result.seconds(),
                    result.resumed(), session.description(), validation, bestValidation, bestTest, result.bestIndex());
            return new Row(row.id(), Evaluator.mean(chosen), chosen, 0, false, null, Map.of(),
                    scorer.coefficients(result.best().point()), trace);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the cache: <method>-<key>.json (the row) and, for AdaMerging, <method>-<key>.safetensors (its coefficients)

    /** What the cache file holds. */
    record CachedRow(String method, String key, List<String> tasks, double avg, Map<String, Double> perTask, double seconds,
                     Double chosenLambda, Map<String, Double> validationAverage, boolean hasCoefficients, String zoo, String recipeHash,
                     long zooSeed, Map<String, Object> settings, SearchTrace search) {
        CachedRow(String method, String key, List<String> tasks, double avg, Map<String, Double> perTask, double seconds,
                  Double chosenLambda, Map<String, Double> validationAverage, boolean hasCoefficients, String zoo, String recipeHash,
                  long zooSeed, Map<String, Object> settings) {
            this(method, key, tasks, avg, perTask, seconds, chosenLambda, validationAverage, hasCoefficients, zoo, recipeHash, zooSeed,
                    settings, null);
        }
    }

    static Path cacheFile(Path dir, String row, String key, String extension) {
        return dir.resolve(row + "-" + key + extension);
    }

    static Optional<Row> readCache(Path dir, String row, String key, List<String> tasks) {
        if (dir == null) {
            return Optional.empty();
        }
        Path file = cacheFile(dir, row, key, ".json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            CachedRow c = JSON.readValue(file.toFile(), CachedRow.class);
            if (!row.equals(c.method()) || !key.equals(c.key()) || !tasks.equals(c.tasks())
                    || c.perTask() == null || !c.perTask().keySet().equals(new java.util.HashSet<>(tasks))) {
                return Optional.empty();
            }
            Coefficients coefficients = null;
            if (c.hasCoefficients()) {
                Path lambda = cacheFile(dir, row, key, ".safetensors");
                if (!Files.isRegularFile(lambda)) {
                    return Optional.empty();
                }
                coefficients = Coefficients.load(lambda);
            }
            Map<String, Double> perTask = new LinkedHashMap<>();
            tasks.forEach(t -> perTask.put(t, c.perTask().get(t)));
            return Optional.of(new Row(c.method(), c.avg(), perTask, c.seconds(), true, c.chosenLambda(),
                    c.validationAverage() == null ? Map.of() : c.validationAverage(), coefficients, c.search()));
        } catch (IOException | CheckpointException | IllegalArgumentException e) {
            return Optional.empty(); // an unreadable entry is recomputed and overwritten
        }
    }

    private static void writeCache(Path dir, TableRow tableRow, String key, Row row, Benchmark benchmark, MainTableConfig cfg) {
        if (dir == null) {
            return;
        }
        if (row.coefficients() != null) {
            row.coefficients().save(cacheFile(dir, tableRow.id(), key, ".safetensors")); // first: a row file always finds its coefficients
        }
        ZooFiles.writeJson(cacheFile(dir, tableRow.id(), key, ".json"), new CachedRow(row.method(), key, benchmark.tasks(), row.avg(),
                row.perTask(), row.seconds(), row.chosenLambda(), row.validationAverage(), row.coefficients() != null, benchmark.root(),
                benchmark.recipeHash(), benchmark.seed(), settings(tableRow, cfg), row.search()));
    }

    /**
     * How the rows were computed, for the table's notes: the paper's protocol sentences for the rows that follow it, and
     * the parameter values of any other method's row.
     */
    static List<String> notes(MainTableConfig cfg, List<TableRow> rows) {
        List<String> notes = new ArrayList<>();
        notes.add("Top-1 accuracy (%) on " + (cfg.testImages() == 0 ? "the whole test split" : "the first " + cfg.testImages()
                + " test images") + " of each task; heads are the zoo's frozen heads, never merged.");
        List<TableRow> fixed = rows.stream().filter(r -> r.method() instanceof MergeMethod && r.chosenOnValidation() == null).toList();
        if (fixed.stream().anyMatch(r -> r.id().equals("task_arithmetic") || r.id().equals("ties"))) {
            notes.add(String.format(Locale.ROOT, "task_arithmetic and ties: λ = %s; Ties keeps the top %s of each task vector by "
                    + "magnitude (global), elects signs and sums the agreeing entries.", cfg.lambda(), cfg.tiesDensity()));
        }
        for (TableRow r : fixed) {
            if (!List.of("task_arithmetic", "ties", "weight_average").contains(r.id())) {
                notes.add(r.id() + ": " + describe(r.method(), r.parameters()) + ".");
            }
        }
        if (rows.stream().anyMatch(r -> r.chosenOnValidation() != null)) {
            boolean alpha = rows.stream().anyMatch(r -> TableRow.SEARCHED_ALPHA.equals(r.chosenOnValidation()));
            notes.add("*_best: λ ∈ " + cfg.lambdaGrid() + (alpha ? " (α ∈ {0.1, 0.2, …, 3.0} for the spectral merges)" : "")
                    + " chosen by the average accuracy on " + (cfg.validationImages() == 0
                    ? "the whole validation split" : "the first " + cfg.validationImages() + " validation images") + " of each task.");
        }
        if (rows.stream().anyMatch(r -> r.method() instanceof FisherMerging || r.method() instanceof RegMean)) {
            notes.add(String.format(Locale.ROOT, "fisher: diagonal Fisher on %d unlabelled train images per task (labels sampled from "
                            + "the model); regmean: Gram matrices on %d unlabelled train images per task, α = %s.",
                    cfg.fisher().samples(), cfg.regmean().samples(), cfg.regmean().alpha()));
        }
        if (rows.stream().anyMatch(r -> r.method() instanceof AdaMergingMethod)) {
            AdaMergingConfig a = cfg.adaMerging();
            notes.add(String.format(Locale.ROOT, "AdaMerging: %d Adam steps, lr %s, %d unlabelled test images per task and step "
                            + "(from %s), λ starting at %s, seed %d; ++ on Ties-masked task vectors (density %s).", a.steps(),
                    a.learningRate(), a.batchSize(), cfg.adaImages() == 0 ? "the whole test split" : "the first " + cfg.adaImages(),
                    a.initialValue(), a.seed(), a.tiesDensity()));
        }
        if (rows.stream().anyMatch(r -> r.method() instanceof CoefficientSearchMethod)) {
            notes.add("Searches (ta_*/ties_* with tw/lw and random/cmaes): coefficients in [0, 1] per task (tw) or per task and parameter "
                    + "tensor (lw) of Task Arithmetic or of Ties' trimmed, sign-elected task vectors, chosen by mean accuracy (or loss) on "
                    + (cfg.validationImages() == 0 ? "the whole validation split" : "the first " + cfg.validationImages()
                    + " validation images") + " of each task; random search starts at the initial value then draws uniformly, CMA-ES is "
                    + "Apache Commons Math's CMAESOptimizer; budget in merged-model evaluations.");
        }
        for (TableRow r : rows) {
            if (r.method() != null && !(r.method() instanceof MergeMethod) && !(r.method() instanceof FisherMerging)
                    && !(r.method() instanceof RegMean) && !(r.method() instanceof AdaMergingMethod)) {
                notes.add(r.id() + " (" + r.method().kind().label() + ", needs " + r.needs().description() + "): "
                        + describe(r.method(), r.parameters()) + ".");
            }
        }
        return notes;
    }

    /** Every parameter's value: the row's, else the method's default. */
    private static String describe(MergeMethodInfo method, Map<String, Object> values) {
        List<String> parts = new ArrayList<>();
        for (MergeParameter p : method.parameters()) {
            Object v = values.containsKey(p.name()) ? values.get(p.name()) : p.defaultValue();
            parts.add(p.name() + " " + v);
        }
        return parts.isEmpty() ? "no parameters" : String.join(", ", parts);
    }
}
