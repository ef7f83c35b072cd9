package io.adamerge.eval.table;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.TiesMaskAdapter;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.ImageDataset;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.Merges;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.merge.data.FisherMerging;
import io.adamerge.merge.data.RegMean;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.train.PixelNormalization;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import io.adamerge.zoo.ZooFiles;
import io.adamerge.zoo.ZooRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The paper's main table on a zoo: per-task top-1 accuracy on the test splits, and their average, of the pretrained
 * backbone, the individual and multi-task models and every merge ({@link TableMethod}). Task vectors are
 * T_k = θ_k − θ_pre of the zoo's fine-tuned models; heads are the zoo's frozen heads and are never merged.
 *
 * <p>Each method's row (and AdaMerging's learnt coefficients) is cached in {@link MainTableConfig#cacheDir()} under a
 * key of the zoo (recipe hash, seed, backbone hash, tasks) and the method's settings ({@link #settings}), so a rerun
 * with the same settings only reads files, without starting the engine.
 */
public final class MainTable {
    /** Part of every cache key: bump when a method computes something different for the same settings. */
    static final String CODE_VERSION = "main-table-1";

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private MainTable() {
    }

    /**
     * One method's row.
     *
     * @param avg               mean over tasks of {@code perTask}, percent
     * @param perTask           top-1 test accuracy per task, percent, in task order
     * @param seconds           time the method took when it was computed (a cached row keeps that time)
     * @param cached            whether this run read the row from the cache
     * @param chosenLambda      the λ chosen on validation ({@code *_best}), else null
     * @param validationAverage for {@code *_best}: the average validation accuracy of every λ of the grid, else empty
     * @param coefficients      AdaMerging's learnt coefficients, else null
     */
    public record Row(String method, double avg, Map<String, Double> perTask, double seconds, boolean cached, Double chosenLambda,
                      Map<String, Double> validationAverage, Coefficients coefficients) {
        public Row {
            perTask = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perTask));
            validationAverage = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validationAverage));
        }
    }

    /** The table: rows in {@link MainTableConfig#methods()} order. */
    public record Result(List<String> tasks, List<Row> rows, String zoo, String recipeHash, long seed, MainTableConfig config,
                         double seconds) {
        public Row row(TableMethod method) {
            return rows.stream().filter(r -> r.method().equals(method.id())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("the table has no row '" + method.id() + "'"));
        }

        /** How the rows were computed, one sentence each, for the table's notes. */
        public List<String> notes() {
            return MainTable.notes(config, rows.stream().map(Row::method).toList());
        }
    }

    /** Progress of a run, for progress bars. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /** A method starts; {@code work} units of {@link #advanced} follow (0 when it is read from the cache). */
        default void started(TableMethod method, long work) {
        }

        default void advanced(TableMethod method, String message) {
        }

        /** {@code units} units of work are done at once (a data merge's batch of images). */
        default void advanced(TableMethod method, long units, String message) {
            for (long i = 0; i < units; i++) {
                advanced(method, message);
            }
        }

        default void finished(TableMethod method, Row row) {
        }
    }

    public static Result run(Zoo zoo, ZooData data, MainTableConfig cfg, Listener listener) {
        long t0 = System.nanoTime();
        List<String> tasks = zoo.tasks();
        List<Row> rows = new ArrayList<>();
        try (Models models = new Models(zoo, data, cfg)) {
            for (TableMethod method : cfg.methods()) {
                String key = cacheKey(zoo, method, cfg);
                Optional<Row> hit = cfg.force() ? Optional.empty() : readCache(cfg.cacheDir(), method, key, tasks);
                if (hit.isPresent()) {
                    listener.started(method, 0);
                    listener.finished(method, hit.get());
                    rows.add(hit.get());
                    continue;
                }
                listener.started(method, work(method, cfg, models));
                long start = System.nanoTime();
                Row computed = compute(method, models, cfg, listener);
                Row row = new Row(computed.method(), computed.avg(), computed.perTask(), (System.nanoTime() - start) / 1e9, false,
                        computed.chosenLambda(), computed.validationAverage(), computed.coefficients());
                writeCache(cfg.cacheDir(), method, key, row, zoo, cfg);
                listener.finished(method, row);
                rows.add(row);
            }
        }
        return new Result(tasks, rows, zoo.root().toString(), zoo.manifest().recipeHash(), zoo.manifest().seed(), cfg,
                (System.nanoTime() - t0) / 1e9);
    }

    /** What a method's result depends on besides the zoo: the part of its cache key that is settings. */
    public static Map<String, Object> settings(TableMethod method, MainTableConfig cfg) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("test_images", cfg.testImages());
        switch (method) {
            case PRETRAINED, INDIVIDUAL, MTL, WEIGHT_AVERAGE -> {
            }
            case FISHER -> {
                s.put("fisher", cfg.fisher());
                s.put("split", "train");
            }
            case REGMEAN -> {
                s.put("regmean", cfg.regmean());
                s.put("split", "train");
            }
            case TASK_ARITHMETIC -> s.put("lambda", cfg.lambda());
            case TASK_ARITHMETIC_BEST -> {
                s.put("lambda_grid", cfg.lambdaGrid());
                s.put("validation_images", cfg.validationImages());
            }
            case TIES -> {
                s.put("lambda", cfg.lambda());
                s.put("density", cfg.tiesDensity());
            }
            case TIES_BEST -> {
                s.put("lambda_grid", cfg.lambdaGrid());
                s.put("density", cfg.tiesDensity());
                s.put("validation_images", cfg.validationImages());
            }
            case TW_ADAMERGING, TW_ADAMERGING_PP, LW_ADAMERGING, LW_ADAMERGING_PP -> {
                s.put("adamerging", method.adaMerging(cfg.adaMerging()));
                s.put("ada_images", cfg.adaImages());
                s.put("split", "test");
            }
        }
        return s;
    }

    static String cacheKey(Zoo zoo, TableMethod method, MainTableConfig cfg) {
        String key = ZooRecipe.hash(CODE_VERSION, zoo.manifest().recipeHash(), zoo.manifest().seed(), zoo.manifest().backboneSha256(),
                zoo.tasks(), method.id(), settings(method, cfg));
        // rows computed on another GEMM path round differently (no tag on the default path: earlier caches stay valid)
        String gemm = io.adamerge.model.TorchRuntime.gemmPath().cacheTag();
        return gemm.isEmpty() ? key : ZooRecipe.hash(key, gemm);
    }

    private static long work(TableMethod method, MainTableConfig cfg, Models models) {
        int tasks = models.tasks.size();
        if (method.choosesLambda()) {
            return (long) (cfg.lambdaGrid().size() + 1) * tasks;
        }
        if (method.isAdaMerging()) {
            return cfg.adaMerging().steps() + tasks;
        }
        if (method == TableMethod.FISHER || method == TableMethod.REGMEAN) {
            // one unit per sampled training image (dataMerge uses all of them), then one per tested task
            int samples = method == TableMethod.FISHER ? cfg.fisher().samples() : cfg.regmean().samples();
            return models.tasks.stream().mapToLong(t -> Math.min(samples, models.data.train(t).size())).sum() + tasks;
        }
        return tasks;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // computing a row

    private static Row compute(TableMethod method, Models models, MainTableConfig cfg, Listener listener) {
        NDManager manager = models.manager();
        try (NDManager m = manager.newSubManager()) {
            return switch (method) {
                case PRETRAINED -> test(method, t -> models.pretrained(), models, m, listener);
                case INDIVIDUAL -> test(method, models::finetuned, models, m, listener);
                case MTL -> {
                    Map<String, NDArray> mtl = Zoo.weights(models.zoo.multitaskDir(), m);
                    yield test(method, t -> mtl, models, m, listener);
                }
                case WEIGHT_AVERAGE -> {
                    Map<String, NDArray> wa = Merges.weightAverage(models.finetunedList(), m);
                    yield test(method, t -> wa, models, m, listener);
                }
                case FISHER -> dataMerge(method, new FisherMerging(cfg.fisher()), models, m, listener);
                case REGMEAN -> dataMerge(method, new RegMean(cfg.regmean()), models, m, listener);
                case TASK_ARITHMETIC -> {
                    Map<String, NDArray> ta = Merges.taskArithmetic(models.pretrained(), models.taskVectors(), cfg.lambda(), m);
                    yield test(method, t -> ta, models, m, listener);
                }
                case TIES -> {
                    Map<String, NDArray> ties = Merges.taskArithmetic(models.pretrained(), models.tiesVectors(), cfg.lambda(), m);
                    yield test(method, t -> ties, models, m, listener);
                }
                case TASK_ARITHMETIC_BEST -> best(method, models.taskVectors(), models, cfg, m, listener);
                case TIES_BEST -> best(method, models.tiesVectors(), models, cfg, m, listener);
                case TW_ADAMERGING, TW_ADAMERGING_PP, LW_ADAMERGING, LW_ADAMERGING_PP -> adaMerging(method, models, cfg, m, listener);
            };
        }
    }

    private static Row test(TableMethod method, Evaluator.WeightsFor weights, Models models, NDManager m, Listener listener) {
        Map<String, Double> perTask = models.accuracies(weights, models.data::test, models.cfg.testImages(), m,
                t -> listener.advanced(method, t));
        return new Row(method.id(), Evaluator.mean(perTask), perTask, 0, false, null, Map.of(), null);
    }

    /**
     * The λ of the grid whose merge has the best average validation accuracy (the smallest such λ on a tie), then
     * that merge on the test splits.
     */
    private static Row best(TableMethod method, List<Map<String, NDArray>> vectors, Models models, MainTableConfig cfg, NDManager m,
                            Listener listener) {
        Map<String, Double> validation = new LinkedHashMap<>();
        double bestLambda = Double.NaN;
        double bestAvg = Double.NEGATIVE_INFINITY;
        for (double lambda : cfg.lambdaGrid()) {
            try (NDManager scope = m.newSubManager()) {
                Map<String, NDArray> merged = Merges.taskArithmetic(models.pretrained(), vectors, lambda, scope);
                Map<String, Double> acc = models.accuracies(t -> merged, models.data::validation, cfg.validationImages(), scope,
                        t -> listener.advanced(method, String.format(Locale.ROOT, "λ %.2f %s", lambda, t)));
                double avg = Evaluator.mean(acc);
                validation.put(lambdaLabel(lambda), avg);
                if (avg > bestAvg) {
                    bestAvg = avg;
                    bestLambda = lambda;
                }
            }
        }
        Map<String, NDArray> chosen = Merges.taskArithmetic(models.pretrained(), vectors, bestLambda, m);
        Row r = test(method, t -> chosen, models, m, listener);
        return new Row(r.method(), r.avg(), r.perTask(), 0, false, bestLambda, validation, null);
    }

    /** How a λ is written in {@link Row#validationAverage()}. */
    public static String lambdaLabel(double lambda) {
        return Double.toString(lambda);
    }

    private static Row dataMerge(TableMethod method, DataMergeMethod merge, Models models, NDManager m, Listener listener) {
        List<DataMergeInput.Task> inputs = new ArrayList<>();
        for (String task : models.tasks) {
            inputs.add(new DataMergeInput.Task(task, models.finetuned(task), models.heads.get(task),
                    unlabelled(task + " train", models.data.train(task), models.pixels, 0)));
        }
        long[] reported = {0};
        Map<String, NDArray> merged = merge.merge(new DataMergeInput(models.model, inputs), m, (done, total) -> {
            listener.advanced(method, done - reported[0], "merging: " + done + "/" + total + " images");
            reported[0] = done;
        });
        return test(method, t -> merged, models, m, listener);
    }

    private static Row adaMerging(TableMethod method, Models models, MainTableConfig cfg, NDManager m, Listener listener) {
        AdaMergingConfig settings = method.adaMerging(cfg.adaMerging());
        List<AdaMerging.Task> tasks = new ArrayList<>();
        for (String task : models.tasks) {
            tasks.add(new AdaMerging.Task(task, models.heads.get(task),
                    unlabelled(task + " test", models.data.test(task), models.pixels, cfg.adaImages())));
        }
        try (AdaMerging ada = AdaMerging.create(models.model, models.pretrained(), models.finetunedList(), tasks, settings, m)) {
            Coefficients learnt = ada.run(ada.initialCoefficients(),
                    (r, c) -> listener.advanced(method, String.format(Locale.ROOT, "loss %.4f", r.loss())));
            Map<String, NDArray> merged = ada.merge(learnt, m);
            Row r = test(method, t -> merged, models, m, listener);
            return new Row(r.method(), r.avg(), r.perTask(), 0, false, null, Map.of(), learnt);
        }
    }

    /** The first {@code limit} images of {@code data} (0: all), normalised for the zoo's models, without labels. */
    static TaskImages unlabelled(String source, ImageDataset data, PixelNormalization pixels, int limit) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        float[] values = Arrays.copyOf(data.pixels(), n * data.spec().pixels());
        pixels.applyInPlace(values);
        return new TaskImages(source, n, data.spec().channels(), data.spec().height(), data.spec().width(), values);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the cache: <method>-<key>.json (the row) and, for AdaMerging, <method>-<key>.safetensors (its coefficients)

    /** What the cache file holds. */
    record CachedRow(String method, String key, List<String> tasks, double avg, Map<String, Double> perTask, double seconds,
                     Double chosenLambda, Map<String, Double> validationAverage, boolean hasCoefficients, String zoo, String recipeHash,
                     long zooSeed, Map<String, Object> settings) {
    }

    static Path cacheFile(Path dir, TableMethod method, String key, String extension) {
        return dir.resolve(method.id() + "-" + key + extension);
    }

    private static Optional<Row> readCache(Path dir, TableMethod method, String key, List<String> tasks) {
        if (dir == null) {
            return Optional.empty();
        }
        Path file = cacheFile(dir, method, key, ".json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            CachedRow c = JSON.readValue(file.toFile(), CachedRow.class);
            if (!method.id().equals(c.method()) || !key.equals(c.key()) || !tasks.equals(c.tasks())
                    || c.perTask() == null || !c.perTask().keySet().equals(new java.util.HashSet<>(tasks))) {
                return Optional.empty();
            }
            Coefficients coefficients = null;
            if (c.hasCoefficients()) {
                Path lambda = cacheFile(dir, method, key, ".safetensors");
                if (!Files.isRegularFile(lambda)) {
                    return Optional.empty();
                }
                coefficients = Coefficients.load(lambda);
            }
            Map<String, Double> perTask = new LinkedHashMap<>();
            tasks.forEach(t -> perTask.put(t, c.perTask().get(t)));
            return Optional.of(new Row(c.method(), c.avg(), perTask, c.seconds(), true, c.chosenLambda(),
                    c.validationAverage() == null ? Map.of() : c.validationAverage(), coefficients));
        } catch (IOException | CheckpointException | IllegalArgumentException e) {
            return Optional.empty(); // an unreadable entry is recomputed and overwritten
        }
    }

    private static void writeCache(Path dir, TableMethod method, String key, Row row, Zoo zoo, MainTableConfig cfg) {
        if (dir == null) {
            return;
        }
        if (row.coefficients() != null) {
            row.coefficients().save(cacheFile(dir, method, key, ".safetensors")); // first: a row file always finds its coefficients
        }
        ZooFiles.writeJson(cacheFile(dir, method, key, ".json"), new CachedRow(row.method(), key, zoo.tasks(), row.avg(), row.perTask(),
                row.seconds(), row.chosenLambda(), row.validationAverage(), row.coefficients() != null, zoo.root().toString(),
                zoo.manifest().recipeHash(), zoo.manifest().seed(), settings(method, cfg)));
    }

    static List<String> notes(MainTableConfig cfg, List<String> methods) {
        List<String> notes = new ArrayList<>();
        notes.add("Top-1 accuracy (%) on " + (cfg.testImages() == 0 ? "the whole test split" : "the first " + cfg.testImages()
                + " test images") + " of each task; heads are the zoo's frozen heads, never merged.");
        if (methods.contains(TableMethod.TASK_ARITHMETIC.id()) || methods.contains(TableMethod.TIES.id())) {
            notes.add(String.format(Locale.ROOT, "task_arithmetic and ties: λ = %s; Ties keeps the top %s of each task vector by "
                    + "magnitude (global), elects signs and sums the agreeing entries.", cfg.lambda(), cfg.tiesDensity()));
        }
        if (methods.contains(TableMethod.TASK_ARITHMETIC_BEST.id()) || methods.contains(TableMethod.TIES_BEST.id())) {
            notes.add("*_best: λ ∈ " + cfg.lambdaGrid() + " chosen by the average accuracy on " + (cfg.validationImages() == 0
                    ? "the whole validation split" : "the first " + cfg.validationImages() + " validation images") + " of each task.");
        }
        if (methods.contains(TableMethod.FISHER.id()) || methods.contains(TableMethod.REGMEAN.id())) {
            notes.add(String.format(Locale.ROOT, "fisher: diagonal Fisher on %d unlabelled train images per task (labels sampled from "
                            + "the model); regmean: Gram matrices on %d unlabelled train images per task, α = %s.",
                    cfg.fisher().samples(), cfg.regmean().samples(), cfg.regmean().alpha()));
        }
        if (methods.stream().anyMatch(m -> m.contains("adamerging"))) {
            AdaMergingConfig a = cfg.adaMerging();
            notes.add(String.format(Locale.ROOT, "AdaMerging: %d Adam steps, lr %s, %d unlabelled test images per task and step "
                            + "(from %s), λ starting at %s, seed %d; ++ on Ties-masked task vectors (density %s).", a.steps(),
                    a.learningRate(), a.batchSize(), cfg.adaImages() == 0 ? "the whole test split" : "the first " + cfg.adaImages(),
                    a.initialValue(), a.seed(), a.tiesDensity()));
        }
        return notes;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The zoo's models, loaded on first use (a run served from the cache never starts the engine). */
    private static final class Models implements AutoCloseable {
        final Zoo zoo;
        final ZooData data;
        final MainTableConfig cfg;
        final List<String> tasks;
        PixelNormalization pixels;
        private NDManager manager;
        ClipVisionModel model;
        private Map<String, NDArray> pretrained;
        final Map<String, ClassificationHead> heads = new LinkedHashMap<>();
        private final List<Map<String, NDArray>> finetuned = new ArrayList<>();
        private List<Map<String, NDArray>> vectors;
        private List<Map<String, NDArray>> ties;
        private Evaluator evaluator;

        Models(Zoo zoo, ZooData data, MainTableConfig cfg) {
            this.zoo = zoo;
            this.data = data;
            this.cfg = cfg;
            this.tasks = zoo.tasks();
        }

        NDManager manager() {
            if (manager == null) {
                manager = TorchRuntime.newManager();
                ClipVisionModel.Loaded pre = zoo.pretrained(manager);
                model = pre.model();
                pretrained = pre.weights();
                pixels = zoo.pixels();
                for (String task : tasks) {
                    heads.put(task, zoo.head(task, manager));
                    finetuned.add(Zoo.weights(zoo.modelDir(task), manager));
                }
                evaluator = new Evaluator(model, pixels, zoo.recipe().evaluation().batch());
            }
            return manager;
        }

        Map<String, NDArray> pretrained() {
            manager();
            return pretrained;
        }

        List<Map<String, NDArray>> finetunedList() {
            manager();
            return finetuned;
        }

        Map<String, NDArray> finetuned(String task) {
            return finetunedList().get(tasks.indexOf(task));
        }

        List<Map<String, NDArray>> taskVectors() {
            if (vectors == null) {
                vectors = Merges.taskVectors(pretrained(), finetunedList(), manager);
            }
            return vectors;
        }

        /** The Ties-trimmed, sign-agreeing task vectors (the same masks AdaMerging++ uses). */
        List<Map<String, NDArray>> tiesVectors() {
            if (ties == null) {
                List<Map<String, float[]>> raw = new ArrayList<>();
                for (Map<String, NDArray> tv : taskVectors()) {
                    Map<String, float[]> r = new LinkedHashMap<>();
                    tv.forEach((name, a) -> r.put(name, a.toFloatArray()));
                    raw.add(r);
                }
                List<Map<String, NDArray>> out = new ArrayList<>();
                for (Map<String, float[]> masked : TiesMaskAdapter.mask(raw, cfg.tiesDensity())) {
                    Map<String, NDArray> a = new LinkedHashMap<>();
                    masked.forEach((name, v) -> a.put(name, manager.create(v, pretrained.get(name).getShape())));
                    out.add(a);
                }
                ties = out;
            }
            return ties;
        }

        Map<String, Double> accuracies(Evaluator.WeightsFor weights, Function<String, ImageDataset> split, int limit, NDManager m,
                                       java.util.function.Consumer<String> afterTask) {
            manager();
            return evaluator.accuracies(tasks, weights, heads, split, limit, m, afterTask);
        }

        @Override
        public void close() {
            if (manager != null) {
                manager.close();
            }
        }
    }
}
