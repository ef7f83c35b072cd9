package io.adamerge.adamerging;

import io.adamerge.taskvector.TiesScope;
import io.adamerge.taskvector.TiesSelection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Ties-trimmed, sign-agreeing task vectors AdaMerging++ merges ({@code ties_masked_task_vector_K} of the
 * reference), for task vectors held in memory. An adapter only: the trim and sign election are core's
 * {@link TiesSelection} (global scope), fed the task vectors tensor by tensor in sorted key order against a zero base,
 * so AdaMerging++ and the {@code ties} merge method share one implementation.
 *
 * <p>Definition (global scope): flatten each task vector over all tensors in sorted key order; keep the entries
 * whose magnitude is ≥ the (d − ⌊density·d⌋)-th smallest magnitude of that flattened vector; the elected sign of
 * an entry is the sign of the sum of the trimmed vectors, or, where that sum is exactly 0, the sign of the sum of
 * all elected signs; per task, keep only the trimmed entries whose sign agrees with the elected one.
 */
public final class TiesMaskAdapter {
    private TiesMaskAdapter() {
    }

    /**
     * The masked task vectors, in the order and with the keys of {@code taskVectors}; inputs are not modified.
     * Dropped entries are +0.0.
     *
     * @param density fraction of each task vector's entries kept by magnitude, in (0, 1]
     */
    public static List<Map<String, float[]>> mask(List<Map<String, float[]>> taskVectors, double density) {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("density must be in (0, 1], got " + density);
        }
        if (taskVectors.isEmpty()) {
            return List.of();
        }
        Map<String, float[]> first = taskVectors.get(0);
        List<String> keys = new ArrayList<>(new TreeSet<>(first.keySet()));
        long total = 0;
        int largest = 0;
        for (String k : keys) {
            total += first.get(k).length;
            largest = Math.max(largest, first.get(k).length);
        }
        for (Map<String, float[]> tv : taskVectors) {
            if (!tv.keySet().equals(first.keySet())) {
                throw new IllegalArgumentException("task vectors have different tensors");
            }
            for (String k : keys) {
                if (tv.get(k).length != first.get(k).length) {
                    throw new IllegalArgumentException("tensor '" + k + "' has different sizes in the task vectors");
                }
            }
        }
        int tasks = taskVectors.size();
        double[] densities = new double[tasks];
        Arrays.fill(densities, density);
        TiesSelection selection = new TiesSelection(TiesScope.GLOBAL, densities, total);
        // task vectors are differences already: stream them against a zero base (x − 0 = x exactly)
        float[] zeros = new float[largest];
        float[][] values = new float[tasks][];
        while (!selection.ready()) {
            for (String k : keys) {
                selection.observe(zeros, column(taskVectors, k, values), first.get(k).length);
            }
            selection.endPass();
        }
        List<Map<String, float[]>> out = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            out.add(new LinkedHashMap<>());
        }
        for (String k : keys) {
            int n = first.get(k).length;
            float[][] masked = new float[tasks][n];
            selection.maskedTaskVectors(zeros, column(taskVectors, k, values), n, masked);
            for (int t = 0; t < tasks; t++) {
                for (int i = 0; i < n; i++) {
                    masked[t][i] += 0f; // −0.0 (a dropped negative entry) becomes +0.0
                }
                out.get(t).put(k, masked[t]);
            }
        }
        // each map in its input's key order
        List<Map<String, float[]>> ordered = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            Map<String, float[]> m = new LinkedHashMap<>();
            for (String k : taskVectors.get(t).keySet()) {
                m.put(k, out.get(t).get(k));
            }
            ordered.add(m);
        }
        return ordered;
    }

    private static float[][] column(List<Map<String, float[]>> taskVectors, String key, float[][] into) {
        for (int t = 0; t < into.length; t++) {
            into[t] = taskVectors.get(t).get(key);
        }
        return into;
    }

    /** One vector trimmed to the entries whose magnitude is at least the (d − ⌊density·d⌋)-th smallest (1-based). */
    static float[] trim(float[] flat, double density) {
        return mask(List.of(Map.of("v", flat)), density).get(0).get("v");
    }
}
