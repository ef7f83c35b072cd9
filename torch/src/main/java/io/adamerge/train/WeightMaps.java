package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies of weight maps. */
public final class WeightMaps {
    private WeightMaps() {
    }

    /** Independent float32 copies (no gradient history, not requiring gradients) on {@code manager}, in the same order. */
    public static Map<String, NDArray> copy(Map<String, NDArray> weights, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            out.put(name, manager.create(w.toFloatArray(), w.getShape()));
        });
        return out;
    }
}
