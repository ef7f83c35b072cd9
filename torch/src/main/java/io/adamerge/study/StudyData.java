package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.Examples;
import java.util.List;
import java.util.Map;

/**
 * One benchmark's labelled data as the studies see it, next to the {@link io.adamerge.eval.ModelPool} of its models:
 * the splits of each task, the corruptions of its robustness study, the unlabelled view that data-driven and test-time
 * merges take, and the evaluation of any weights with a task's head. {@link ImageStudyData} and {@link TextStudyData}
 * are the two benchmarks; the studies name neither.
 */
public interface StudyData extends AutoCloseable {
    TaskSplit train(String task);

    TaskSplit validation(String task);

    TaskSplit test(String task);

    /** The first {@code n} examples of {@code split} (all when {@code n} is 0 or not smaller). */
    TaskSplit first(TaskSplit split, int n);

    /** The ids of the benchmark's corruptions, in report order. */
    List<String> corruptions();

    /** {@code split} corrupted by {@code corruption} at {@code severity} (1..5), seeded. */
    TaskSplit corrupt(TaskSplit split, String corruption, int severity, long seed);

    /** The inputs of {@code split} without their labels, for data-driven and test-time merges. */
    Examples unlabelled(TaskSplit split);

    /** Accuracy, entropy and cross-entropy of {@code weights} with {@code task}'s own head on all of {@code split}. */
    TaskMetrics evaluate(String task, Map<String, NDArray> weights, TaskSplit split, NDManager manager);

    /** Frees what the data holds (a tokenizer); the default holds nothing. */
    @Override
    default void close() {
    }
}
