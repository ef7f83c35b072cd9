package io.adamerge.merge.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.Encoder;
import java.util.List;
import java.util.Map;

/**
 * What a coefficient search merges and scores, whatever the benchmark: the pretrained and fine-tuned weights of an
 * encoder, and each task's labelled validation and test splits scored with the task's frozen head. The image table's
 * {@code ModelPool}/{@code TaskPool} and the text table's pool are search pools; a {@link SearchPoolSource} opens one
 * from files (on a cluster's executors).
 */
public interface SearchPool {
    /** Which split a candidate is scored on. */
    enum Split { VALIDATION, TEST }

    List<String> tasks();

    Encoder encoder();

    Map<String, NDArray> pretrained();

    Map<String, NDArray> finetuned(String task);

    /** The manager the pool's weights live on (the search's arrays are made on sub-managers of it). */
    NDManager manager();

    /** Accuracy and cross-entropy of {@code weights} with {@code task}'s head on the first {@code limit} examples (0: all) of a split. */
    TaskMetrics evaluate(String task, Map<String, NDArray> weights, Split split, int limit, NDManager scope);
}
