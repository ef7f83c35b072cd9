package io.adamerge.taskvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.merge.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed distances equal direct double-precision sums over the reference fixture. */
class DistancesTest {
    @Test
    void matchesDirectComputationOnTheFixture() {
        List<String> labels = List.of("ft0", "ft1", "ft2");
        Distances d;
        try (ModelSet inputs = ModelSet.open(Reference.PRE, Reference.FINE_TUNED, false)) {
            d = Distances.compute(inputs, labels, 1000, null);
        }
        double[][] flat = new double[4][];
        try (Checkpoint pre = Checkpoint.open(Reference.PRE)) {
            flat[3] = flatten(pre, pre);
            for (int k = 0; k < 3; k++) {
                try (Checkpoint m = Checkpoint.open(Reference.FINE_TUNED.get(k))) {
                    flat[k] = flatten(m, pre);
                }
            }
        }
        assertThat(d.pairs()).hasSize(3);
        assertThat(d.elements()).isEqualTo(82_688);
        for (Distances.Pair p : d.pairs()) {
            double[] a = flat[p.a()];
            double[] b = flat[p.b()];
            double l1 = 0;
            double sq = 0;
            double dot = 0;
            double na = 0;
            double nb = 0;
            double tdot = 0;
            double ta = 0;
            double tb = 0;
            for (int i = 0; i < a.length; i++) {
                l1 += Math.abs(a[i] - b[i]);
                sq += (a[i] - b[i]) * (a[i] - b[i]);
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += b[i] * b[i];
                double u = (float) (a[i] - flat[3][i]);
                double v = (float) (b[i] - flat[3][i]);
                tdot += u * v;
                ta += u * u;
                tb += v * v;
            }
            assertThat(p.l1()).isCloseTo(l1, within(1e-9 * l1));
            assertThat(p.l2()).isCloseTo(Math.sqrt(sq), within(1e-9 * Math.sqrt(sq)));
            assertThat(p.cosine()).isCloseTo(dot / Math.sqrt(na * nb), within(1e-12));
            assertThat(p.taskCosine()).isCloseTo(tdot / Math.sqrt(ta * tb), within(1e-9));
            // task-vector differences are model differences (up to F32 rounding of the task vectors)
            assertThat(p.taskL2()).isCloseTo(p.l2(), within(1e-5 * p.l2()));
        }
        assertThat(d.taskVectors()).hasSize(3);
    }

    private static double[] flatten(Checkpoint c, Checkpoint layout) {
        int n = 0;
        for (TensorInfo t : layout.tensors()) {
            if (t.dtype().isFloating()) {
                n += (int) t.numel();
            }
        }
        double[] out = new double[n];
        int at = 0;
        for (TensorInfo t : layout.tensors()) {
            if (t.dtype().isFloating()) {
                for (float v : c.readFloats(t.name())) {
                    out[at++] = v;
                }
            }
        }
        return out;
    }
}
