package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TiesMaskAdapterTest {

    private static List<Map<String, float[]>> referenceTaskVectors() {
        List<Map<String, float[]>> out = new ArrayList<>();
        try (Checkpoint pre = Checkpoint.open(AdaReference.PRE)) {
            for (int k = 0; k < AdaReference.TASKS; k++) {
                try (Checkpoint ft = Checkpoint.open(AdaReference.finetuned(k))) {
                    Map<String, float[]> tv = new LinkedHashMap<>();
                    for (TensorInfo t : pre.tensors()) {
                        if (!t.dtype().isFloating()) {
                            continue;
                        }
                        float[] a = ft.readFloats(t.name());
                        float[] b = pre.readFloats(t.name());
                        for (int i = 0; i < a.length; i++) {
                            a[i] -= b[i];
                        }
                        tv.put(t.name(), a);
                    }
                    out.add(tv);
                }
            }
        }
        return out;
    }

    @Test
    void matchesTheReferenceMaskedTaskVectorsExactly() {
        List<Map<String, float[]>> masked = TiesMaskAdapter.mask(referenceTaskVectors(), 0.2);
        try (Checkpoint expected = Checkpoint.open(AdaReference.EXPECTED)) {
            for (int k = 0; k < AdaReference.TASKS; k++) {
                int kept = 0;
                for (Map.Entry<String, float[]> e : masked.get(k).entrySet()) {
                    float[] want = expected.readFloats("ties_masked_task_vector_" + k + "/" + e.getKey());
                    float[] got = e.getValue();
                    assertThat(got).as("task %d tensor %s", k, e.getKey()).hasSameSizeAs(want);
                    for (int i = 0; i < want.length; i++) {
                        // == rather than Float.equals: PyTorch's masking leaves −0.0 where the adapter writes 0.0
                        if (got[i] != want[i]) {
                            throw new AssertionError("task " + k + " tensor " + e.getKey() + " element " + i + ": " + got[i]
                                    + " != " + want[i]);
                        }
                        kept += want[i] != 0 ? 1 : 0;
                    }
                }
                assertThat(kept).as("task %d keeps some entries", k).isPositive();
            }
        }
    }

    @Test
    void trimKeepsTheTopFractionByMagnitudeTiesIncluded() {
        float[] v = {0.5f, -3f, 2f, -2f, 0.1f, 1f, 0f, -0.2f, 4f, 0.3f};
        // d = 10, density 0.2: threshold is the 8th smallest magnitude (2), and both ±2 tie with it
        float[] trimmed = TiesMaskAdapter.trim(v.clone(), 0.2);
        assertThat(trimmed).containsExactly(0f, -3f, 2f, -2f, 0f, 0f, 0f, 0f, 4f, 0f);
        assertThat(TiesMaskAdapter.trim(v.clone(), 1.0)).containsExactly(v);
    }

    @Test
    void electedSignDropsDisagreeingEntriesAndResolvesZeroSumsByMajority() {
        // entry 0: +1 and −3 → elected −, only task 1 keeps it; entry 1: +2 and −2 sum to 0 → majority sign
        Map<String, float[]> a = Map.of("w", new float[] {1f, 2f, 5f, 4f});
        Map<String, float[]> b = Map.of("w", new float[] {-3f, -2f, 6f, 7f});
        List<Map<String, float[]>> m = TiesMaskAdapter.mask(List.of(a, b), 1.0);
        // elected signs: −, 0→majority(+: two positives vs one negative), +, + → keep positives at entry 1
        assertThat(m.get(0).get("w")).containsExactly(0f, 2f, 5f, 4f);
        assertThat(m.get(1).get("w")).containsExactly(-3f, 0f, 6f, 7f);
    }
}
