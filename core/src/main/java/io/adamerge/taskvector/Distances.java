package io.adamerge.taskvector;

import io.adamerge.checkpoint.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * L1 and L2 distances and cosine similarity between every pair of models, and between their task vectors
 * (T_k = θ_k − θ_pre, when there is a base), over all floating tensors, streamed chunk by chunk with double
 * accumulators.
 *
 * @param labels       one label per model
 * @param pairs        every pair (a &lt; b)
 * @param taskVectors  per model, the norms of its task vector (empty without a base)
 * @param elements     floating elements per model
 */
public record Distances(List<String> labels, List<Pair> pairs, List<Norms> taskVectors, long elements) {

    /**
     * @param a, b         model indices
     * @param l1, l2       ‖θ_a − θ_b‖₁, ‖θ_a − θ_b‖₂
     * @param cosine       cos(θ_a, θ_b)
     * @param taskL1       ‖T_a − T_b‖₁ (NaN without a base)
     * @param taskL2       ‖T_a − T_b‖₂
     * @param taskCosine   cos(T_a, T_b)
     */
    public record Pair(int a, int b, double l1, double l2, double cosine, double taskL1, double taskL2,
                       double taskCosine) {
    }

    /** ‖T_k‖₁ and ‖T_k‖₂: how far model k moved from the base. */
    public record Norms(int model, double l1, double l2) {
    }

    /**
     * Streams the inputs once.
     *
     * @param afterTensor called with each tensor's name when it is done (progress), may be null
     */
    public static Distances compute(ModelSet inputs, List<String> labels, int chunkElements, Consumer<String> afterTensor) {
        int n = inputs.size();
        if (labels.size() != n) {
            throw new IllegalArgumentException(labels.size() + " labels for " + n + " models");
        }
        boolean base = inputs.hasBase();
        // per pair: model L1, model squared L2, model dot; task-vector L1, squared L2, dot
        double[][] pair = new double[n * n][6];
        double[] modelSq = new double[n];
        double[] taskSq = new double[n];
        double[] taskAbs = new double[n];
        ChunkReader reader = inputs.reader(chunkElements);
        float[][] tv = base ? new float[n][chunkElements] : null;
        for (TensorInfo t : inputs.floatTensors()) {
            for (long start = 0; start < t.numel(); start += chunkElements) {
                int count = (int) Math.min(chunkElements, t.numel() - start);
                reader.read(t, start, count);
                float[][] m = reader.models();
                float[] b = reader.base();
                for (int k = 0; k < n; k++) {
                    double sq = 0;
                    for (int i = 0; i < count; i++) {
                        sq += (double) m[k][i] * m[k][i];
                    }
                    modelSq[k] += sq;
                    if (base) {
                        double tsq = 0;
                        double tabs = 0;
                        for (int i = 0; i < count; i++) {
                            float d = m[k][i] - b[i];
                            tv[k][i] = d;
                            tsq += (double) d * d;
                            tabs += Math.abs(d);
                        }
                        taskSq[k] += tsq;
                        taskAbs[k] += tabs;
                    }
                }
                for (int a = 0; a < n; a++) {
                    for (int c = a + 1; c < n; c++) {
                        double[] acc = pair[a * n + c];
                        double l1 = 0;
                        double sq = 0;
                        double dot = 0;
                        float[] x = m[a];
                        float[] y = m[c];
                        for (int i = 0; i < count; i++) {
                            double d = (double) x[i] - y[i];
                            l1 += Math.abs(d);
                            sq += d * d;
                            dot += (double) x[i] * y[i];
                        }
                        acc[0] += l1;
                        acc[1] += sq;
                        acc[2] += dot;
                        if (base) {
                            float[] u = tv[a];
                            float[] v = tv[c];
                            l1 = 0;
                            sq = 0;
                            dot = 0;
                            for (int i = 0; i < count; i++) {
                                double d = (double) u[i] - v[i];
                                l1 += Math.abs(d);
                                sq += d * d;
                                dot += (double) u[i] * v[i];
                            }
                            acc[3] += l1;
                            acc[4] += sq;
                            acc[5] += dot;
                        }
                    }
                }
            }
            if (afterTensor != null) {
                afterTensor.accept(t.name());
            }
        }
        List<Pair> pairs = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            for (int c = a + 1; c < n; c++) {
                double[] acc = pair[a * n + c];
                pairs.add(new Pair(a, c, acc[0], Math.sqrt(acc[1]), cosine(acc[2], modelSq[a], modelSq[c]),
                        base ? acc[3] : Double.NaN, base ? Math.sqrt(acc[4]) : Double.NaN,
                        base ? cosine(acc[5], taskSq[a], taskSq[c]) : Double.NaN));
            }
        }
        List<Norms> norms = new ArrayList<>();
        if (base) {
            for (int k = 0; k < n; k++) {
                norms.add(new Norms(k, taskAbs[k], Math.sqrt(taskSq[k])));
            }
        }
        return new Distances(List.copyOf(labels), List.copyOf(pairs), List.copyOf(norms), inputs.floatElementCount());
    }

    /** NaN when either vector is zero (the angle is undefined). */
    private static double cosine(double dot, double sqA, double sqB) {
        if (sqA == 0 || sqB == 0) {
            return Double.NaN;
        }
        return dot / (Math.sqrt(sqA) * Math.sqrt(sqB));
    }
}
