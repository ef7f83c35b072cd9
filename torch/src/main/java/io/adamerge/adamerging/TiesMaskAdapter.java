package io.adamerge.adamerging;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Ties-trimmed, sign-agreeing task vectors AdaMerging++ merges ({@code ties_masked_task_vector_K} of the
 * reference), computed in memory. This is an ADAPTER: core's Ties implementation (a streaming mask API) is the
 * one source of truth once it lands, and {@link #mask} is the single place to point at it.
 *
 * <p>Definition (global scope): flatten each task vector over all tensors in sorted key order; keep the entries
 * whose magnitude is ≥ the (d − ⌊density·d⌋)-th smallest magnitude of that flattened vector; the elected sign of
 * an entry is the sign of the sum of the trimmed vectors, or, where that sum is exactly 0, the sign of the sum of
 * all elected signs; per task, keep only the trimmed entries whose sign agrees with the elected one (positive
 * where the elected sign is positive, negative otherwise).
 */
public final class TiesMaskAdapter {
    private TiesMaskAdapter() {
    }

    /**
     * The masked task vectors, in the order and with the keys of {@code taskVectors}; inputs are not modified.
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
        List<String> keys = new ArrayList<>(new TreeSet<>(taskVectors.get(0).keySet()));
        long total = 0;
        for (String k : keys) {
            total += taskVectors.get(0).get(k).length;
        }
        for (Map<String, float[]> tv : taskVectors) {
            if (!tv.keySet().equals(taskVectors.get(0).keySet())) {
                throw new IllegalArgumentException("task vectors have different tensors");
            }
            for (String k : keys) {
                if (tv.get(k).length != taskVectors.get(0).get(k).length) {
                    throw new IllegalArgumentException("tensor '" + k + "' has different sizes in the task vectors");
                }
            }
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("task vectors of " + total + " values are too large for the in-memory Ties adapter");
        }
        int d = (int) total;
        int tasks = taskVectors.size();
        float[][] trimmed = new float[tasks][];
        for (int t = 0; t < tasks; t++) {
            trimmed[t] = trim(flatten(taskVectors.get(t), keys, d), density);
        }
        // elected sign per entry: sign of the summed trimmed vectors, zeros resolved by the majority sign
        byte[] elected = new byte[d];
        long signSum = 0;
        for (int i = 0; i < d; i++) {
            float sum = 0f;
            for (int t = 0; t < tasks; t++) {
                sum += trimmed[t][i];
            }
            elected[i] = (byte) Math.signum(sum);
            signSum += elected[i];
        }
        byte majority = (byte) Long.signum(signSum);
        List<Map<String, float[]>> out = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            float[] v = trimmed[t];
            for (int i = 0; i < d; i++) {
                byte sign = elected[i] != 0 ? elected[i] : majority;
                boolean agrees = sign > 0 ? v[i] > 0 : v[i] < 0;
                if (!agrees) {
                    v[i] = 0f;
                }
            }
            out.add(unflatten(v, keys, taskVectors.get(t)));
        }
        return out;
    }

    /** Keeps entries whose magnitude is at least the (d − ⌊density·d⌋)-th smallest one (1-based), zeroes the rest. */
    static float[] trim(float[] flat, double density) {
        int d = flat.length;
        int k = d - (int) (d * density);
        if (k <= 0) {
            return flat;
        }
        float[] magnitudes = new float[d];
        for (int i = 0; i < d; i++) {
            magnitudes[i] = Math.abs(flat[i]);
        }
        Arrays.sort(magnitudes);
        float threshold = magnitudes[k - 1];
        for (int i = 0; i < d; i++) {
            if (!(Math.abs(flat[i]) >= threshold)) {
                flat[i] = 0f;
            }
        }
        return flat;
    }

    private static float[] flatten(Map<String, float[]> tv, List<String> keys, int d) {
        float[] flat = new float[d];
        int at = 0;
        for (String k : keys) {
            float[] a = tv.get(k);
            System.arraycopy(a, 0, flat, at, a.length);
            at += a.length;
        }
        return flat;
    }

    private static Map<String, float[]> unflatten(float[] flat, List<String> sortedKeys, Map<String, float[]> like) {
        Map<String, float[]> byKey = new LinkedHashMap<>();
        int at = 0;
        for (String k : sortedKeys) {
            int n = like.get(k).length;
            byKey.put(k, Arrays.copyOfRange(flat, at, at + n));
            at += n;
        }
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (String k : like.keySet()) {
            ordered.put(k, byKey.get(k));
        }
        return ordered;
    }
}
