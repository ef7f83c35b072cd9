package io.adamerge.merge.methods;

import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import java.util.Arrays;
import java.util.List;

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
        return MergeRun.stateless((chunk, out) -> {
            float[] b = chunk.base();
            float[][] m = chunk.models();
            int n = chunk.count();
            if (shared) {
                // λ · Σ T_k, in the official code's order of operations
                Arrays.fill(out, 0, n, 0f);
                for (float[] mk : m) {
                    for (int i = 0; i < n; i++) {
                        out[i] += mk[i] - b[i];
                    }
                }
                float lam = l[0];
                for (int i = 0; i < n; i++) {
                    out[i] = b[i] + lam * out[i];
                }
            } else {
                Arrays.fill(out, 0, n, 0f);
                for (int k = 0; k < m.length; k++) {
                    float[] mk = m[k];
                    float lam = l[k];
                    for (int i = 0; i < n; i++) {
                        out[i] += lam * (mk[i] - b[i]);
                    }
                }
                for (int i = 0; i < n; i++) {
                    out[i] += b[i];
                }
            }
        });
    }
}
