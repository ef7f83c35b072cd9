package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.text.TextDataset;
import io.adamerge.data.text.TextTaskSplits;
import io.adamerge.data.text.TextTasks;
import io.adamerge.data.text.corrupt.TextCorruption;
import io.adamerge.data.text.corrupt.TextCorruptions;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.Examples;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.zoo.TextZoo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The text benchmark's data for the studies: a text zoo's tasks split as the zoo was built (its data seed), tokenised
 * by the zoo's tokenizer at its token cap, scored with the zoo's frozen heads on the pool's BERT encoder; the seven
 * text corruptions of {@link TextCorruption}.
 */
public final class TextStudyData implements StudyData {
    private final TextZoo zoo;
    private final ModelPool models;
    private final TextTasks tasks;
    private final BertTokenizer tokenizer;
    private final int batch;
    private final Map<String, TextTaskSplits> splits = new HashMap<>();

    public TextStudyData(TextZoo zoo, DataDirectory data, ModelPool models, int batch) {
        this.zoo = zoo;
        this.models = models;
        this.tasks = new TextTasks(data, zoo.recipe().dataSeed());
        this.tokenizer = zoo.tokenizer();
        this.batch = batch;
    }

    private synchronized TextTaskSplits splits(String task) {
        return splits.computeIfAbsent(models.checkTask(task), tasks::load);
    }

    @Override
    public TaskSplit train(String task) {
        return new TaskSplit.Texts(task + " train", splits(task).train());
    }

    @Override
    public TaskSplit validation(String task) {
        return new TaskSplit.Texts(task + " validation", splits(task).validation());
    }

    @Override
    public TaskSplit test(String task) {
        return new TaskSplit.Texts(task + " test", splits(task).test());
    }

    @Override
    public TaskSplit first(TaskSplit split, int n) {
        TextDataset d = texts(split);
        return n <= 0 || n >= d.size() ? split : new TaskSplit.Texts(split.name(), d.slice(0, n));
    }

    @Override
    public List<String> corruptions() {
        return Arrays.stream(TextCorruption.values()).map(TextCorruption::label).toList();
    }

    @Override
    public TaskSplit corrupt(TaskSplit split, String corruption, int severity, long seed) {
        return new TaskSplit.Texts(split.name() + " " + corruption,
                TextCorruptions.corrupt(texts(split), TextCorruption.parse(corruption), severity, seed));
    }

    @Override
    public Examples unlabelled(TaskSplit split) {
        return TextZoo.examples(split.name(), texts(split), 0, tokenizer);
    }

    @Override
    public TaskMetrics evaluate(String task, Map<String, NDArray> weights, TaskSplit split, NDManager manager) {
        return TextZoo.evaluate(task, models.encoder(), tokenizer, weights, models.head(task), texts(split), 0, batch, manager);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static TextDataset texts(TaskSplit split) {
        if (split instanceof TaskSplit.Texts t) {
            return t.data();
        }
        throw new IllegalArgumentException(split.name() + " holds images; the text benchmark takes texts");
    }

    /** The zoo, for the report. */
    public TextZoo zoo() {
        return zoo;
    }
}
