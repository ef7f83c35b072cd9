package io.adamerge.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Task arithmetic written out with NDArray operations, as the official code computes it: θ_pre + λ · Σ_k (θ_k − θ_pre). */
final class IndependentMerges {
    private IndependentMerges() {
    }

    static Map<String, NDArray> taskArithmetic(Map<String, NDArray> pre, List<Map<String, NDArray>> finetuned, double lambda,
                                               NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        pre.forEach((name, p) -> {
            NDArray sum = null;
            for (Map<String, NDArray> ft : finetuned) {
                NDArray t = ft.get(name).sub(p);
                sum = sum == null ? t : sum.add(t);
            }
            NDArray merged = p.add(sum.mul((float) lambda));
            merged.attach(into);
            out.put(name, merged);
        });
        return out;
    }
}
