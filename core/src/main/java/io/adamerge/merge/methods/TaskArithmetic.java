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

    /** λ · Σ T_k, in the official code's order of operations: (((0 + T_1) + T_2) + …), then θ_pre + λ · sum. */
    private static void sharedBlock(float[] b, float[][] m, float lam, float[] out, int from, int to) {
        float[] m0 = m[0];
        for (int i = from; i < to; i++) {
            out[i] = 0f + (m0[i] - b[i]);
        }
        for (int k = 1; k < m.length; k++) {
            float[] mk = m[k];
            for (int i = from; i < to; i++) {
                out[i] += mk[i] - b[i];
            }
        }
        for (int i = from; i < to; i++) {
            out[i] = b[i] + lam * out[i];
        }
    }

    /** θ_pre + Σ λ_k T_k: (((0 + λ_1 T_1) + λ_2 T_2) + …) + θ_pre. */
    private static void scaledBlock(float[] b, float[][] m, float[] l, float[] out, int from, int to) {
        float[] m0 = m[0];
        float l0 = l[0];
        for (int i = from; i < to; i++) {
            out[i] = 0f + l0 * (m0[i] - b[i]);
        }
        for (int k = 1; k < m.length; k++) {
            float[] mk = m[k];
            float lam = l[k];
            for (int i = from; i < to; i++) {
                out[i] += lam * (mk[i] - b[i]);
            }
        }
        for (int i = from; i < to; i++) {
            out[i] += b[i];
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
