package io.adamerge.merge.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.CoefficientMerge;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.search.Evaluation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores coefficient candidates of a {@link SearchJob} on a {@link SearchPool}: θ = θ_pre + Σ_k λ_k·T_k (per tensor
 * for layer-wise coefficients; T_k Ties-trimmed for a Ties search), each task's frozen head on its validation split.
 * A point is a flat [rows × tasks] row-major array of λ in [0, 1] (a {@link Coefficients}' layout). Not thread-safe: one
 * scorer per thread.
 */
public final class SearchScorer implements AutoCloseable {
    private final SearchPool pool;
    private final SearchJob job;
    private final CoefficientMerge merge;

    public SearchScorer(SearchPool pool, SearchJob job) {
        this.pool = pool;
        this.job = job;
        List<Map<String, NDArray>> finetuned = pool.tasks().stream().map(pool::finetuned).toList();
        this.merge = CoefficientMerge.create(pool.encoder(), pool.pretrained(), finetuned, job.granularity(), job.transform(), pool.manager());
    }

    public SearchJob job() {
        return job;
    }

    /** Number of coefficients. */
    public int dimension() {
        return merge.constant(0f).values().length;
    }

    /** The point as coefficients of the merge (float, as the merge uses them). */
    public Coefficients coefficients(double[] point) {
        if (point.length != dimension()) {
            throw new IllegalArgumentException("a candidate of " + point.length + " coefficients for a search of " + dimension());
        }
        float[] v = new float[point.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) point[i];
        }
        return merge.coefficients(v, 0, null);
    }

    /** Mean validation accuracy and cross-entropy over the pool's tasks of the merge at {@code point}. */
    public Evaluation validate(double[] point) {
        Map<String, TaskMetrics> metrics = metrics(point, SearchPool.Split.VALIDATION, job.validationLimit());
        double acc = metrics.values().stream().mapToDouble(TaskMetrics::accuracy).average().orElse(Double.NaN);
        double loss = metrics.values().stream().mapToDouble(TaskMetrics::meanCrossEntropy).average().orElse(Double.NaN);
        return new Evaluation(point, acc, loss);
    }

    /** Top-1 accuracy per task on the first {@code limit} test examples (0: all) of the merge at {@code point}. */
    public Map<String, Double> test(double[] point, int limit) {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics(point, SearchPool.Split.TEST, limit).forEach((t, m) -> out.put(t, m.accuracy()));
        return out;
    }

    /** The merged weights at {@code point}, on {@code into}. */
    public Map<String, NDArray> merged(double[] point, NDManager into) {
        return merge.merge(coefficients(point), into);
    }

    private Map<String, TaskMetrics> metrics(double[] point, SearchPool.Split split, int limit) {
        Map<String, TaskMetrics> out = new LinkedHashMap<>();
        try (NDManager scope = pool.manager().newSubManager()) {
            Map<String, NDArray> weights = merge.merge(coefficients(point), scope);
            for (String task : pool.tasks()) {
                out.put(task, pool.evaluate(task, weights, split, limit, scope));
            }
        }
        return out;
    }

    @Override
    public void close() {
        merge.close();
    }
}
