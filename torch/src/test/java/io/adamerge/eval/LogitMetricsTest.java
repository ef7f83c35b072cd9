package io.adamerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogitMetricsTest {
    private static float log(double p) {
        return (float) Math.log(p);
    }

    /**
     * Three rows whose softmax is known exactly: [0.5, 0.25, 0.25] (label 0, right), uniform (label 2; the tie goes to
     * class 0, wrong) and [0.1, 0.7, 0.2] + a shift of 5 (label 1, right).
     */
    @Test
    void handComputedCase() {
        float[] logits = {log(0.5), log(0.25), log(0.25), 0, 0, 0, log(0.1) + 5, log(0.7) + 5, log(0.2) + 5};
        LogitMetrics m = new LogitMetrics();
        m.add(logits, 3, new int[] {0, 2, 1});
        TaskMetrics r = m.result("t");
        double h1 = 1.5 * Math.log(2);
        double h2 = Math.log(3);
        double h3 = -(0.1 * Math.log(0.1) + 0.7 * Math.log(0.7) + 0.2 * Math.log(0.2));
        assertThat(r.images()).isEqualTo(3);
        assertThat(r.accuracy()).isCloseTo(200.0 / 3, within(1e-9));
        assertThat(r.meanEntropy()).isCloseTo((h1 + h2 + h3) / 3, within(1e-6));
        assertThat(r.meanCrossEntropy()).isCloseTo((Math.log(2) + Math.log(3) - Math.log(0.7)) / 3, within(1e-6));
    }

    @Test
    void batchesAccumulate() {
        LogitMetrics m = new LogitMetrics();
        m.add(new float[] {2, 0}, 2, new int[] {0});
        m.add(new float[] {2, 0}, 2, new int[] {1});
        TaskMetrics r = m.result("t");
        double p = Math.exp(2) / (Math.exp(2) + 1);
        assertThat(r.accuracy()).isEqualTo(50.0);
        assertThat(r.meanCrossEntropy()).isCloseTo((-Math.log(p) - Math.log(1 - p)) / 2, within(1e-9));
        assertThat(r.meanEntropy()).isCloseTo(-(p * Math.log(p) + (1 - p) * Math.log(1 - p)), within(1e-9));
    }

    @Test
    void extremeLogitsStayFinite() {
        LogitMetrics m = new LogitMetrics();
        m.add(new float[] {1000, -1000}, 2, new int[] {1});
        TaskMetrics r = m.result("t");
        assertThat(r.meanCrossEntropy()).isCloseTo(2000, within(1e-6));
        assertThat(r.meanEntropy()).isCloseTo(0, within(1e-9));
    }

    @Test
    void badInput() {
        LogitMetrics m = new LogitMetrics();
        assertThatThrownBy(() -> m.add(new float[] {1, 2, 3}, 2, new int[] {0})).hasMessageContaining("need 2 logits");
        assertThatThrownBy(() -> m.add(new float[] {1, 2}, 2, new int[] {2})).hasMessageContaining("outside 0..1");
        assertThatThrownBy(() -> m.result("empty")).hasMessageContaining("empty: no images");
    }
}
