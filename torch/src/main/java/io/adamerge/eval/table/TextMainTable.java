package io.adamerge.eval.table;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.text.TextDataset;
import io.adamerge.data.text.TextTaskSplits;
import io.adamerge.data.text.TextTasks;
import io.adamerge.eval.ModelPool;
import io.adamerge.merge.InMemoryMerge;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.data.DataMergeInput;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.merge.search.CoefficientSearchMethod;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.merge.testtime.AdaMergingMethod;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.zoo.TextZoo;
import io.adamerge.zoo.ZooFiles;
import io.adamerge.zoo.ZooRecipe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The main table ({@link MainTable}'s rows, protocol, cache format and notes) on a text zoo: the same {@link TableRow}s
 * resolved from the one registry, data-free merges through core's {@link InMemoryMerge}, AdaMerging through the
 * family-neutral {@link AdaMerging} on the BERT {@link Encoder}; evaluation on tokenised texts with each task's frozen
 * zero-shot head. Data-driven rows (Fisher, RegMean) run the same {@link DataMergeMethod}s as on images on the BERT
 * encoder, on the tasks' unlabelled train texts.
 */
public final class TextMainTable {
    static final String CODE_VERSION = "text-table-1";

    private TextMainTable() {
    }

    /** The default rows on text: the paper's table, as on images. */
    public static List<String> defaultRows() {
        return TableRow.defaults();
    }

    /** The text zoo's models (a {@link ModelPool} over {@link TextZoo#models()}), heads and splits, loaded once. */
    private static final class Pool implements SearchPoolSource.OpenPool {
        final TextZoo zoo;
        final ModelPool models;
        final NDManager manager;
        final BertTokenizer tokenizer;
        final Encoder encoder;
        final Map<String, NDArray> pretrained;
        final Map<String, ClassificationHead> heads = new LinkedHashMap<>();
        final Map<String, TextTaskSplits> splits = new LinkedHashMap<>();
        final int batch;

        Pool(TextZoo zoo, DataDirectory data, MergeMethods registry) {
            this.zoo = zoo;
            this.models = new ModelPool(zoo.models(), registry);
            this.tokenizer = zoo.tokenizer();
            this.manager = models.manager();
            this.encoder = models.encoder();
            this.pretrained = models.pretrained();
            TextTasks tasks = new TextTasks(data, zoo.recipe().dataSeed());
            for (String t : zoo.tasks()) {
                heads.put(t, models.head(t));
                splits.put(t, tasks.load(t));
            }
            this.batch = zoo.recipe().evaluation().batch();
        }

        @Override
        public Map<String, NDArray> finetuned(String task) {
            return models.finetuned(task);
        }

        /** The data-free merge of every task's model, through the pool's in-memory merge (core's executor passes). */
        Map<String, NDArray> merge(MergeMethod method, Map<String, ?> parameters, NDManager into) {
            return models.merge(method.name(), parameters, zoo.tasks(), into);
        }

        Map<String, Double> accuracies(Function<String, Map<String, NDArray>> weights, Function<TextTaskSplits, TextDataset> split,
                                       int limit, NDManager m, MainTable.Listener listener, String row) {
            Map<String, Double> acc = new LinkedHashMap<>();
            for (String t : zoo.tasks()) {
                acc.put(t, TextZoo.evaluate(t, encoder, tokenizer, weights.apply(t), heads.get(t), split.apply(splits.get(t)), limit, batch, m)
                        .accuracy());
                listener.advanced(row, t);
            }
            return acc;
        }

        @Override
        public List<String> tasks() {
            return zoo.tasks();
        }

        @Override
        public Encoder encoder() {
            return encoder;
        }

        @Override
        public Map<String, NDArray> pretrained() {
            return pretrained;
        }

        @Override
        public NDManager manager() {
            return manager;
        }

        @Override
        public TaskMetrics evaluate(String task, Map<String, NDArray> weights, Split split, int limit, NDManager scope) {
            TextTaskSplits s = splits.get(task);
            return TextZoo.evaluate(task, encoder, tokenizer, weights, heads.get(task), split == Split.VALIDATION ? s.validation() : s.test(),
                    limit, batch, scope);
        }

        @Override
        public void close() {
            try {
                tokenizer.close();
            } finally {
                models.close();
            }
        }
    }

    /** The text zoo's pool, loaded from its folder and the data folder (what a search's cluster executors load). */
    public static SearchPoolSource.OpenPool openPool(TextZoo zoo, DataDirectory data) {
        return new Pool(zoo, data, MergeMethods.discover());
    }

    public static MainTable.Result run(TextZoo zoo, DataDirectory data, MainTableConfig cfg, MergeMethods registry,
                                       MainTable.Listener listener) {
        long t0 = System.nanoTime();
        List<String> tasks = zoo.tasks();
        List<TableRow> rows = MainTable.rows(cfg, registry);
        for (TableRow r : rows) {
            if (r.method() != null && !(r.method() instanceof MergeMethod) && !(r.method() instanceof AdaMergingMethod)
                    && !(r.method() instanceof DataMergeMethod) && !(r.method() instanceof CoefficientSearchMethod)) {
                throw new IllegalArgumentException("row '" + r.id() + "' (" + r.method().kind().label() + ") is not available on the text "
                        + "benchmark yet; text rows are the reference rows, data-free and data-driven merges, AdaMerging and the supervised searches");
            }
        }
        List<MainTable.Row> results = new ArrayList<>();
        Pool pool = null;
        try {
            for (TableRow row : rows) {
                String key = ZooRecipe.hash(CODE_VERSION, zoo.manifest().recipeHash(), zoo.manifest().seed(), zoo.manifest().pretrainedSha256(),
                        tasks, row.id(), MainTable.settings(row, cfg));
                Optional<MainTable.Row> cached = cfg.force() ? Optional.empty() : MainTable.readCache(cfg.cacheDir(), row.id(), key, tasks);
                if (cached.isPresent()) {
                    listener.started(row.id(), 0);
                    listener.finished(row.id(), cached.get());
                    results.add(cached.get());
                    continue;
                }
                pool = pool != null ? pool : new Pool(zoo, data, registry);
                listener.started(row.id(), work(row, cfg, pool));
                long r0 = System.nanoTime();
                MainTable.Row computed;
                try (NDManager m = pool.manager.newSubManager()) {
                    computed = compute(row, pool, cfg, m, listener, new TextZooSource(zoo.root().toAbsolutePath().toString(),
                            data.root().toAbsolutePath().toString()), MainTable.searchKey(zoo.manifest().recipeHash(), zoo.manifest().seed(),
                            "text:" + zoo.manifest().pretrainedSha256(), tasks, row, cfg));
                }
                double seconds = (System.nanoTime() - r0) / 1e9;
                MainTable.Row done = new MainTable.Row(computed.method(), computed.avg(), computed.perTask(), seconds, false,
                        computed.chosenLambda(), computed.validationAverage(), computed.coefficients(), computed.search());
                writeCache(cfg, row, key, done, zoo);
                listener.finished(row.id(), done);
                results.add(done);
            }
        } finally {
            if (pool != null) {
                pool.close();
            }
        }
        List<String> notes = new ArrayList<>(MainTable.notes(cfg, rows).stream().map(n -> n.replace("images", "texts")).toList());
        notes.add("Text benchmark: " + zoo.recipe().model() + ", zero-shot heads (class descriptions × " + zoo.recipe().heads().logitScale()
                + "), texts truncated to " + zoo.recipe().maxTokens() + " tokens.");
        return new MainTable.Result(tasks, results, zoo.root().toString(), zoo.manifest().recipeHash(), zoo.manifest().seed(), cfg,
                (System.nanoTime() - t0) / 1e9, notes);
    }

    private static long work(TableRow row, MainTableConfig cfg, Pool pool) {
        int tasks = pool.zoo.tasks().size();
        if (row.chosenOnValidation() != null) {
            return (long) tasks * (row.grid(cfg).size() + 1);
        }
        if (row.method() instanceof AdaMergingMethod a) {
            return a.steps(MainTable.parameters(row)) + tasks;
        }
        if (row.method() instanceof DataMergeMethod) {
            // one unit per sampled train text, then one per tested task
            long samples = MainTable.parameters(row).integer("samples");
            return pool.zoo.tasks().stream().mapToLong(t -> Math.min(samples, pool.splits.get(t).train().size())).sum() + tasks;
        }
        if (row.method() instanceof CoefficientSearchMethod) {
            return MainTable.parameters(row).integer("budget") + tasks;
        }
        return tasks;
    }

    private static MainTable.Row compute(TableRow row, Pool pool, MainTableConfig cfg, NDManager m, MainTable.Listener listener,
                                         SearchPoolSource source, String searchKey) {
        List<String> tasks = pool.zoo.tasks();
        if (row.method() instanceof CoefficientSearchMethod search) {
            return MainTable.search(row, search, pool, source, cfg, searchKey, MainTable.stateFile(cfg, row.id(), searchKey), listener);
        }
        if (row.reference() != null) {
            return test(row, switch (row.reference()) {
                case PRETRAINED -> t -> pool.pretrained;
                case INDIVIDUAL -> pool::finetuned;
                case MULTITASK -> {
                    Map<String, NDArray> mtl = pool.models.multitask(m);
                    yield t -> mtl;
                }
            }, pool, cfg, m, listener);
        }
        if (row.method() instanceof MergeMethod method) {
            if (row.chosenOnValidation() == null) {
                Map<String, NDArray> merged = pool.merge(method, row.parameters(), m);
                return test(row, t -> merged, pool, cfg, m, listener);
            }
            MainTable.Choice choice = MainTable.choose(row, cfg, pool.models, pool.zoo.tasks(), m, (merged, lambda, scope) ->
                    mean(pool.accuracies(t -> merged, TextTaskSplits::validation, cfg.validationImages(), scope, listener, row.id())));
            MainTable.Row r = test(row, t -> choice.weights(), pool, cfg, m, listener);
            return new MainTable.Row(r.method(), r.avg(), r.perTask(), 0, false, choice.value(), choice.validation(), null);
        }
        if (row.method() instanceof DataMergeMethod data) {
            DataMergeMethod configured = data.configure(MainTable.parameters(row));
            List<DataMergeInput.Task> inputs = new ArrayList<>();
            for (String t : tasks) {
                inputs.add(new DataMergeInput.Task(t, pool.finetuned(t), pool.heads.get(t),
                        TextZoo.examples(t + " train", pool.splits.get(t).train(), 0, pool.tokenizer)));
            }
            long[] reported = {0};
            Map<String, NDArray> merged = configured.merge(new DataMergeInput(pool.encoder, inputs), m, (done, total) -> {
                listener.advanced(row.id(), done - reported[0], "merging: " + done + "/" + total + " texts");
                reported[0] = done;
            });
            return test(row, t -> merged, pool, cfg, m, listener);
        }
        AdaMergingMethod method = (AdaMergingMethod) row.method();
        AdaMergingConfig config = method.config(MainTable.parameters(row));
        List<AdaMerging.Task> testTime = new ArrayList<>();
        for (String t : tasks) {
            testTime.add(new AdaMerging.Task(t, pool.heads.get(t),
                    TextZoo.examples(t + " test", pool.splits.get(t).test(), cfg.adaImages(), pool.tokenizer)));
        }
        List<Map<String, NDArray>> finetuned = tasks.stream().map(pool::finetuned).toList();
        try (AdaMerging ada = AdaMerging.create(pool.encoder, pool.pretrained, finetuned, testTime, config, m)) {
            Coefficients learnt = ada.run(ada.initialCoefficients(),
                    (result, updated) -> listener.advanced(row.id(), String.format(Locale.ROOT, "loss %.4f", result.loss())));
            Map<String, NDArray> merged = ada.merge(learnt, m);
            MainTable.Row r = test(row, t -> merged, pool, cfg, m, listener);
            return new MainTable.Row(r.method(), r.avg(), r.perTask(), 0, false, null, Map.of(), learnt);
        }
    }

    private static MainTable.Row test(TableRow row, Function<String, Map<String, NDArray>> weights, Pool pool, MainTableConfig cfg,
                                      NDManager m, MainTable.Listener listener) {
        Map<String, Double> acc = pool.accuracies(weights, TextTaskSplits::test, cfg.testImages(), m, listener, row.id());
        return new MainTable.Row(row.id(), mean(acc), acc, 0, false, null, Map.of(), null);
    }

    private static double mean(Map<String, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static void writeCache(MainTableConfig cfg, TableRow tableRow, String key, MainTable.Row row, TextZoo zoo) {
        if (cfg.cacheDir() == null) {
            return;
        }
        if (row.coefficients() != null) {
            row.coefficients().save(MainTable.cacheFile(cfg.cacheDir(), tableRow.id(), key, ".safetensors"));
        }
        ZooFiles.writeJson(MainTable.cacheFile(cfg.cacheDir(), tableRow.id(), key, ".json"), new MainTable.CachedRow(row.method(), key,
                zoo.tasks(), row.avg(), row.perTask(), row.seconds(), row.chosenLambda(), row.validationAverage(), row.coefficients() != null,
                zoo.root().toString(), zoo.manifest().recipeHash(), zoo.manifest().seed(), MainTable.settings(tableRow, cfg), row.search()));
    }
}
