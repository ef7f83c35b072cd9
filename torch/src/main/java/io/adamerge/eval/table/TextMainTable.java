package io.adamerge.eval.table;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.text.TextTaskSplits;
import io.adamerge.data.text.TextTasks;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.merge.InMemoryMerge;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.data.DataMergeMethod;
import io.adamerge.merge.search.SearchPool;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.merge.testtime.TestTimeMerge;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.zoo.TextZoo;
import io.adamerge.zoo.ZooRecipe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The main table on a text zoo: the text {@link Benchmark} of {@link MainTable}'s one run loop, so that the same
 * {@link TableRow}s, resolved from the one registry, run by the same code as on images — data-free merges through core's
 * {@link InMemoryMerge}, data-driven {@link DataMergeMethod}s (Fisher, RegMean) on the tasks' unlabelled train texts,
 * every test-time method (AdaMerging, AdaRank, ...) through {@link TestTimeMerge} on the unlabelled test texts, the
 * {@code *_best} grids and the supervised searches — on the BERT {@link Encoder}; evaluation on tokenised texts with each
 * task's frozen zero-shot head. Rows keep the text table's own cache key ({@link TextBenchmark#cacheKey}).
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

    /**
     * The text benchmark of the main table's run loop: the zoo's {@link Pool}, loaded when the first row is computed (a
     * table read from the cache loads nothing).
     */
    static final class TextBenchmark implements Benchmark {
        private final TextZoo zoo;
        private final DataDirectory data;
        private final MergeMethods registry;
        private Pool pool;

        TextBenchmark(TextZoo zoo, DataDirectory data, MergeMethods registry) {
            this.zoo = zoo;
            this.data = data;
            this.registry = registry;
        }

        private Pool pool() {
            if (pool == null) {
                pool = new Pool(zoo, data, registry);
            }
            return pool;
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

        /** The text table's key since its first version (its own code version, the pretrained encoder's hash, no GEMM tag). */
        @Override
        public String cacheKey(TableRow row, MainTableConfig cfg) {
            return ZooRecipe.hash(CODE_VERSION, zoo.manifest().recipeHash(), zoo.manifest().seed(), zoo.manifest().pretrainedSha256(),
                    zoo.tasks(), row.id(), MainTable.settings(row, cfg));
        }

        @Override
        public String modelHash() {
            return "text:" + zoo.manifest().pretrainedSha256();
        }

        @Override
        public String examples() {
            return "texts";
        }

        @Override
        public ModelPool models() {
            return pool().models;
        }

        @Override
        public Map<String, Double> accuracies(Evaluator.WeightsFor weights, SearchPool.Split split, int limit, NDManager manager,
                                              Consumer<String> afterTask) {
            Pool p = pool();
            Map<String, Double> acc = new LinkedHashMap<>();
            for (String t : zoo.tasks()) {
                acc.put(t, p.evaluate(t, weights.of(t), split, limit, manager).accuracy());
                afterTask.accept(t);
            }
            return acc;
        }

        @Override
        public Examples unlabelled(String task, Unlabelled split, int limit) {
            Pool p = pool();
            TextTaskSplits s = p.splits.get(p.models.checkTask(task));
            return split == Unlabelled.TRAIN ? TextZoo.examples(task + " train", s.train(), limit, p.tokenizer)
                    : TextZoo.examples(task + " test", s.test(), limit, p.tokenizer);
        }

        @Override
        public int trainSize(String task) {
            Pool p = pool();
            return p.splits.get(p.models.checkTask(task)).train().size();
        }

        @Override
        public SearchPool searchPool() {
            return pool();
        }

        @Override
        public SearchPoolSource source() {
            return new TextZooSource(zoo.root().toAbsolutePath().toString(), data.root().toAbsolutePath().toString());
        }

        @Override
        public List<String> notes(List<String> tableNotes) {
            List<String> notes = new ArrayList<>(tableNotes.stream().map(n -> n.replace("images", "texts")).toList());
            notes.add("Text benchmark: " + zoo.recipe().model() + ", zero-shot heads (class descriptions × " + zoo.recipe().heads().logitScale()
                    + "), texts truncated to " + zoo.recipe().maxTokens() + " tokens.");
            return notes;
        }

        @Override
        public void close() {
            if (pool != null) {
                pool.close();
            }
        }
    }

    /** The table on the text zoo, by {@link MainTable}'s run loop. */
    public static MainTable.Result run(TextZoo zoo, DataDirectory data, MainTableConfig cfg, MergeMethods registry,
                                       MainTable.Listener listener) {
        return MainTable.run(new TextBenchmark(zoo, data, registry), cfg, registry, listener);
    }
}
