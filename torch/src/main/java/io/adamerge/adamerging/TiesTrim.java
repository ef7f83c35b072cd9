package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Ties-trimmed, sign-agreeing task vectors AdaMerging++ merges ({@code ties_masked_task_vector_K} of the
 * reference): {@link TiesMaskAdapter}, that is core's Ties selection over the whole task vector.
 *
 * @param density fraction of each task vector kept by magnitude, in (0, 1]
 */
public record TiesTrim(double density) implements TaskVectorTransform {
    public TiesTrim {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("Ties density must be in (0, 1], got " + density);
        }
    }

    @Override
    public List<NDArray> apply(List<String> keys, List<NDArray> stacked, NDManager owner) {
        int tasks = (int) stacked.get(0).getShape().get(0);
        List<Map<String, float[]>> raw = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            raw.add(new LinkedHashMap<>());
        }
        for (int l = 0; l < keys.size(); l++) {
            float[] all = stacked.get(l).toFloatArray();
            int n = all.length / tasks;
            for (int t = 0; t < tasks; t++) {
                raw.get(t).put(keys.get(l), Arrays.copyOfRange(all, t * n, (t + 1) * n));
            }
        }
        List<Map<String, float[]>> masked = TiesMaskAdapter.mask(raw, density);
        raw.clear();
        List<NDArray> out = new ArrayList<>(keys.size());
        for (int l = 0; l < keys.size(); l++) {
            NDArray s = stacked.get(l);
            int n = (int) s.getShape().get(1);
            float[] flat = new float[tasks * n];
            for (int t = 0; t < tasks; t++) {
                System.arraycopy(masked.get(t).get(keys.get(l)), 0, flat, t * n, n);
            }
            out.add(owner.create(flat, s.getShape()));
        }
        return out;
    }
}
