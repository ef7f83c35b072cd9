package io.adamerge.merge.methods;

import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;

/** θ = Σ w_k θ_k / Σ w_k: the (weighted) mean of the fine-tuned models, mergekit's {@code linear}. */
public final class WeightAverage implements MergeMethod {
    @Override
    public String name() {
        return "weight_average";
    }

    @Override
    public List<String> aliases() {
        return List.of("linear");
    }

    @Override
    public String description() {
        return "mean of the fine-tuned models (optionally weighted); needs no base";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(MergeParameter.number("weight", ParameterScope.PER_MODEL, 1.0, 0.0, null,
                "relative weight of the model in the mean"));
    }

    @Override
    public boolean requiresBase() {
        return false;
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        double[] w = setup.parameters().numbers("weight");
        double total = 0;
        for (double x : w) {
            total += x;
        }
        boolean equal = DoubleStream.of(w).allMatch(x -> x == w[0]);
        if (total <= 0) {
            throw new MergeConfigException("weight_average: the weights sum to 0");
        }
        double[] scale = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            scale[k] = w[k] / total;
        }
        float[] fscale = new float[w.length];
        for (int k = 0; k < w.length; k++) {
            fscale[k] = (float) scale[k];
        }
        return MergeRun.stateless((chunk, out) -> {
            float[][] m = chunk.models();
            int n = chunk.count();
            float[] m0 = m[0];
            if (equal) {
                // sum in F32 in model order, then divide: what torch.mean / sum()/K compute, bit for bit
                System.arraycopy(m0, 0, out, 0, n);
                for (int k = 1; k < m.length; k++) {
                    float[] mk = m[k];
                    for (int i = 0; i < n; i++) {
                        out[i] += mk[i];
                    }
                }
                float divisor = m.length;
                for (int i = 0; i < n; i++) {
                    out[i] /= divisor;
                }
            } else {
                Arrays.fill(out, 0, n, 0f);
                for (int k = 0; k < m.length; k++) {
                    float[] mk = m[k];
                    float s = fscale[k];
                    for (int i = 0; i < n; i++) {
                        out[i] += s * mk[i];
                    }
                }
            }
            // where every model holds the same value the mean is that value; the F32 sum and division can be
            // one ulp off (e.g. (x + x + x) / 3), so it is restored exactly
            for (int i = 0; i < n; i++) {
                float v = m0[i];
                boolean same = true;
                for (int k = 1; k < m.length && same; k++) {
                    same = m[k][i] == v;
                }
                if (same) {
                    out[i] = v;
                }
            }
        });
    }
}
