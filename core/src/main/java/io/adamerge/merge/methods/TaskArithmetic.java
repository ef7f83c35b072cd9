package io.adamerge.merge.methods;

import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.ScalableRun;
import io.adamerge.merge.TensorChunk;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Task Arithmetic (Ilharco et al., 2023): θ = θ_pre + Σ λ_k T_k. */
public final class TaskArithmetic implements MergeMethod {
    @Override
    public String name() {
        return "task_arithmetic";
    }

    @Override
    public String description() {
        return "pretrained + sum of lambda x task vector (lambda one value or one per model)";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(MergeParameter.number("lambda", ParameterScope.PER_MODEL, 1.0, null, null,
                "scaling coefficient of the task vector (the paper uses 0.3)"));
    }

    /** λ, when one value serves every model: θ_pre + λ · Σ T_k. */
    @Override
    public Optional<String> scaleParameter() {
        return Optional.of("lambda");
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        double[] lambda = setup.parameters().numbers("lambda");
        boolean equal = true;
        float[] l = new float[lambda.length];
        for (int k = 0; k < l.length; k++) {
            l[k] = (float) lambda[k];
            equal &= lambda[k] == lambda[0];
        }
        boolean shared = equal;
        return new ScalableRun() {
            /** No state between calls: chunks merge on several threads at once. */
            @Override
            public boolean concurrent() {
                return true;
            }

            /** A NaN or ±Inf in θ_pre or a θ_k makes its T_k, the sum and θ_pre + λ·sum NaN or ±Inf, whatever λ. */
            @Override
            public boolean nonFiniteInputsPropagate() {
                return true;
            }

            /** Σ T_k in F32, in the official code's order of operations. */
            @Override
            public void direction(TensorChunk chunk, double[] out) {
                float[] b = chunk.base();
                int n = chunk.count();
                float[] sum = new float[n];
                sumOfTaskVectors(b, chunk.models(), n, sum);
                for (int i = 0; i < n; i++) {
                    out[i] = sum[i];
                }
            }

            @Override
            public float scaled(float base, double direction, double scale) {
                return base + (float) scale * (float) direction;
            }

            @Override
            public void merge(TensorChunk chunk, float[] out) {
                float[] b = chunk.base();
                float[][] m = chunk.models();
                int n = chunk.count();
                // a block at a time, so that the running sum stays in the L1 cache while every model is added to it
                for (int from = 0; from < n; from += BLOCK) {
                    int to = Math.min(n, from + BLOCK);
                    if (shared) {
                        sharedBlock(b, m, l[0], out, from, to);
                    } else {
                        scaledBlock(b, m, l, out, from, to);
                    }
                }
            }
        };
    }

    /** Elements per block of the kernels: a block of the sum and of one input fit the L1 cache. */
    private static final int BLOCK = 2048;

    /**
     * λ · Σ T_k, in the official code's order of operations: (((0 + T_1) + T_2) + …), then θ_pre + λ · sum. The
     * models are added four (or fewer) at a time in one loop, in the same order, so each element's operations and
     * hence its bits are those of adding them one by one.
     */
    private static void sharedBlock(float[] b, float[][] m, float lam, float[] out, int from, int to) {
        for (int k = 0; k < m.length; ) {
            k += addTaskVectors(b, m, k, null, out, from, to);
        }
        for (int i = from; i < to; i++) {
            out[i] = b[i] + lam * out[i];
        }
    }

    /** θ_pre + Σ λ_k T_k: (((0 + λ_1 T_1) + λ_2 T_2) + …) + θ_pre. */
    private static void scaledBlock(float[] b, float[][] m, float[] l, float[] out, int from, int to) {
        for (int k = 0; k < m.length; ) {
            k += addTaskVectors(b, m, k, l, out, from, to);
        }
        for (int i = from; i < to; i++) {
            out[i] += b[i];
        }
    }

    /**
     * Adds the task vectors of models {@code k, k+1, …} (up to four) to {@code out[from, to)}, each times its λ when
     * {@code l} is given; model 0 starts the sum from 0. Returns how many models it added.
     */
    private static int addTaskVectors(float[] b, float[][] m, int k, float[] l, float[] out, int from, int to) {
        boolean first = k == 0;
        int n = Math.min(4, m.length - k);
        if (l == null) {
            switch (n) {
                case 4 -> add4(b, m[k], m[k + 1], m[k + 2], m[k + 3], first, out, from, to);
                case 3 -> add3(b, m[k], m[k + 1], m[k + 2], first, out, from, to);
                case 2 -> add2(b, m[k], m[k + 1], first, out, from, to);
                default -> add1(b, m[k], first, out, from, to);
            }
        } else {
            switch (n) {
                case 4 -> add4(b, m[k], l[k], m[k + 1], l[k + 1], m[k + 2], l[k + 2], m[k + 3], l[k + 3], first, out,
                        from, to);
                case 3 -> add3(b, m[k], l[k], m[k + 1], l[k + 1], m[k + 2], l[k + 2], first, out, from, to);
                case 2 -> add2(b, m[k], l[k], m[k + 1], l[k + 1], first, out, from, to);
                default -> add1(b, m[k], l[k], first, out, from, to);
            }
        }
        return n;
    }

    private static void add4(float[] b, float[] m0, float[] m1, float[] m2, float[] m3, boolean first, float[] out,
                             int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (((0f + (m0[i] - bi)) + (m1[i] - bi)) + (m2[i] - bi)) + (m3[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (((out[i] + (m0[i] - bi)) + (m1[i] - bi)) + (m2[i] - bi)) + (m3[i] - bi);
            }
        }
    }

    private static void add3(float[] b, float[] m0, float[] m1, float[] m2, boolean first, float[] out, int from,
                             int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = ((0f + (m0[i] - bi)) + (m1[i] - bi)) + (m2[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = ((out[i] + (m0[i] - bi)) + (m1[i] - bi)) + (m2[i] - bi);
            }
        }
    }

    private static void add2(float[] b, float[] m0, float[] m1, boolean first, float[] out, int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (0f + (m0[i] - bi)) + (m1[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (out[i] + (m0[i] - bi)) + (m1[i] - bi);
            }
        }
    }

    private static void add1(float[] b, float[] m0, boolean first, float[] out, int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                out[i] = 0f + (m0[i] - b[i]);
            }
        } else {
            for (int i = from; i < to; i++) {
                out[i] += m0[i] - b[i];
            }
        }
    }

    private static void add4(float[] b, float[] m0, float l0, float[] m1, float l1, float[] m2, float l2, float[] m3,
                             float l3, boolean first, float[] out, int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (((0f + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi)) + l2 * (m2[i] - bi)) + l3 * (m3[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (((out[i] + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi)) + l2 * (m2[i] - bi)) + l3 * (m3[i] - bi);
            }
        }
    }

    private static void add3(float[] b, float[] m0, float l0, float[] m1, float l1, float[] m2, float l2,
                             boolean first, float[] out, int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = ((0f + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi)) + l2 * (m2[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = ((out[i] + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi)) + l2 * (m2[i] - bi);
            }
        }
    }

    private static void add2(float[] b, float[] m0, float l0, float[] m1, float l1, boolean first, float[] out,
                             int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (0f + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float bi = b[i];
                out[i] = (out[i] + l0 * (m0[i] - bi)) + l1 * (m1[i] - bi);
            }
        }
    }

    private static void add1(float[] b, float[] m0, float l0, boolean first, float[] out, int from, int to) {
        if (first) {
            for (int i = from; i < to; i++) {
                out[i] = 0f + l0 * (m0[i] - b[i]);
            }
        } else {
            for (int i = from; i < to; i++) {
                out[i] += l0 * (m0[i] - b[i]);
            }
        }
    }

    private static void sumOfTaskVectors(float[] b, float[][] m, int n, float[] out) {
        Arrays.fill(out, 0, n, 0f);
        for (float[] mk : m) {
            for (int i = 0; i < n; i++) {
                out[i] += mk[i] - b[i];
            }
        }
    }
}
