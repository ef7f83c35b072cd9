package io.adamerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.TorchRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MergesTest {
    private static Map<String, NDArray> model(NDManager m, float a0, float a1, float b) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        w.put("a", m.create(new float[] {a0, a1}));
        w.put("b", m.create(new float[] {b}));
        return w;
    }

    @Test
    void handComputedMerges() {
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = model(m, 1, 2, 3);
            List<Map<String, NDArray>> fts = List.of(model(m, 2, 2, 5), model(m, 0, 4, 3));
            List<Map<String, NDArray>> tv = Merges.taskVectors(pre, fts, m);
            assertThat(tv.get(0).get("a").toFloatArray()).containsExactly(1, 0);
            assertThat(tv.get(1).get("b").toFloatArray()).containsExactly(0);

            Map<String, NDArray> wa = Merges.weightAverage(fts, m);
            assertThat(wa.get("a").toFloatArray()).containsExactly(1, 3);
            assertThat(wa.get("b").toFloatArray()).containsExactly(4);

            // pre + 0.3 (T1 + T2): a = (1, 2) + 0.3 (0, 2), b = 3 + 0.3·2
            Map<String, NDArray> ta = Merges.taskArithmetic(pre, tv, 0.3, m);
            assertThat(ta.get("a").toFloatArray()[0]).isCloseTo(1f, within(1e-6f));
            assertThat(ta.get("a").toFloatArray()[1]).isCloseTo(2.6f, within(1e-6f));
            assertThat(ta.get("b").toFloatArray()[0]).isCloseTo(3.6f, within(1e-6f));

            // layer-wise: a gets 0.5·T1 + 0.1·T2 = 0.5 (1, 0) + 0.1 (−1, 2), b gets 0·T1 + 1·T2 = 0
            Map<String, NDArray> lw = Merges.layerWise(pre, tv, new double[][] {{0.5, 0}, {0.1, 1}}, m);
            assertThat(lw.get("a").toFloatArray()[0]).isCloseTo(1.4f, within(1e-6f));
            assertThat(lw.get("a").toFloatArray()[1]).isCloseTo(2.2f, within(1e-6f));
            assertThat(lw.get("b").toFloatArray()[0]).isCloseTo(3f, within(1e-6f));
            // inputs are unchanged
            assertThat(pre.get("a").toFloatArray()).containsExactly(1, 2);
        }
    }

    @Test
    void mismatchedModelsAreRejected() {
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = model(m, 1, 2, 3);
            Map<String, NDArray> other = new LinkedHashMap<>(model(m, 1, 2, 3));
            other.remove("b");
            other.put("c", m.create(new float[] {1}));
            assertThatThrownBy(() -> Merges.weightAverage(List.of(pre, other), m)).hasMessageContaining("'b' missing from the second");
            assertThatThrownBy(() -> Merges.layerWise(pre, Merges.taskVectors(pre, List.of(pre), m), new double[][] {{0.1}}, m))
                    .hasMessageContaining("1 entries for 2 tensors");
        }
    }
}
