package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FisherMergingTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = TorchRuntime.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void equalFishersGiveTheWeightAverage() {
        try (NDManager m = manager.newSubManager()) {
            List<Map<String, NDArray>> weights = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                weights.add(Fixture.finetuned(k, m).weights());
            }
            // any Fisher, the same for every model: here the first model's, which varies over orders of magnitude
            FisherMerging fisher = new FisherMerging(new FisherMerging.Settings(2, 0, 1e-8f));
            DataMergeInput.Task t = Fixture.task(0, m);
            Map<String, NDArray> f = fisher.diagonalFisher(Fixture.finetuned(0, m).model(), t.weights(), t.head(), t.examples(), 0, m);
            Map<String, NDArray> merged = FisherMerging.combine(weights, List.of(f, f, f), 1e-8f, m);
            double worst = 0;
            for (String k : merged.keySet()) {
                worst = Math.max(worst, Fixture.relDiff(merged.get(k).toFloatArray(), Fixture.expected("weight_average", k)));
            }
            System.out.printf("Fisher with equal Fishers vs weight_average: max rel diff %.3g%n", worst);
            assertThat(worst).isLessThan(1e-6);
        }
    }

    @Test
    void oneModelIsReturnedAndAMergeStaysBetweenTheModels() {
        try (NDManager m = manager.newSubManager()) {
            FisherMerging fisher = new FisherMerging(new FisherMerging.Settings(3, 3, 1e-8f));
            Map<String, NDArray> ft = Fixture.finetuned(2, m).weights();
            assertThat(Fixture.maxRelDiff(fisher.merge(Fixture.input(m, 2), m), ft)).isLessThan(1e-6);

            DataMergeInput three = Fixture.input(m, 0, 1, 2);
            Map<String, NDArray> merged = fisher.merge(three, m);
            for (String k : merged.keySet()) {
                float[] v = merged.get(k).toFloatArray();
                float[][] models = new float[3][];
                for (int j = 0; j < 3; j++) {
                    models[j] = three.tasks().get(j).weights().get(k).toFloatArray();
                }
                for (int i = 0; i < v.length; i++) {
                    float lo = Math.min(models[0][i], Math.min(models[1][i], models[2][i]));
                    float hi = Math.max(models[0][i], Math.max(models[1][i], models[2][i]));
                    assertThat(v[i]).as("%s[%d]", k, i).isBetween(lo - 1e-6f * Math.abs(lo) - 1e-7f, hi + 1e-6f * Math.abs(hi) + 1e-7f);
                }
            }
        }
    }

    @Test
    void fisherIsNonNegativeSeededAndZeroWhereTheOutputIgnoresTheParameter() {
        try (NDManager m = manager.newSubManager()) {
            DataMergeInput.Task t = Fixture.task(1, m);
            var model = Fixture.finetuned(1, m).model();
            FisherMerging a = new FisherMerging(new FisherMerging.Settings(3, 11, 1e-8f));
            Map<String, NDArray> f1 = a.diagonalFisher(model, t.weights(), t.head(), t.examples(), 1, m);
            Map<String, NDArray> f2 = a.diagonalFisher(model, t.weights(), t.head(), t.examples(), 1, m);
            Map<String, NDArray> other = new FisherMerging(new FisherMerging.Settings(3, 12, 1e-8f))
                    .diagonalFisher(model, t.weights(), t.head(), t.examples(), 1, m);
            boolean anyDifferent = false;
            for (String k : f1.keySet()) {
                float[] v = f1.get(k).toFloatArray();
                assertThat(v).containsExactly(f2.get(k).toFloatArray());
                anyDifferent |= !java.util.Arrays.equals(v, other.get(k).toFloatArray());
                for (float x : v) {
                    assertThat(x).isGreaterThanOrEqualTo(0f);
                }
            }
            assertThat(anyDifferent).as("another seed draws other labels").isTrue();
            // softmax attention ignores a shift shared by all keys: the key bias has no effect, so no Fisher
            double keyBias = max(f1.get(ClipKeys.layer(0, ClipKeys.K_BIAS)));
            double queryBias = max(f1.get(ClipKeys.layer(0, ClipKeys.Q_BIAS)));
            System.out.printf("Fisher max: k_proj.bias %.3g, q_proj.bias %.3g%n", keyBias, queryBias);
            assertThat(queryBias).isGreaterThan(0);
            assertThat(keyBias).isLessThan(1e-6 * queryBias);
        }
    }

    @Test
    void labelsAreDrawnWithTheModelsProbabilities() {
        float[] p = {0.1f, 0.6f, 0.3f};
        int[] counts = new int[3];
        SplittableRandom r = new SplittableRandom(5);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts[FisherMerging.draw(p, r)]++;
        }
        for (int c = 0; c < 3; c++) {
            assertThat(counts[c] / (double) n).isCloseTo(p[c], org.assertj.core.data.Offset.offset(0.01));
        }
    }

    private static double max(NDArray a) {
        double m = 0;
        for (float v : a.toFloatArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
