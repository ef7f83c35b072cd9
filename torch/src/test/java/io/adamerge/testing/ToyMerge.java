package io.adamerge.testing;

import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import java.util.List;

/**
 * A data-free method known only through this module's test service file
 * ({@code META-INF/services/io.adamerge.merge.MergeMethod}): θ = θ_pre + λ · max_k T_k, element-wise.
 */
public final class ToyMerge implements MergeMethod {
    @Override
    public String name() {
        return "toy";
    }

    @Override
    public String description() {
        return "test-only: pretrained + lambda x the largest task-vector entry";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(MergeParameter.number("lambda", ParameterScope.GLOBAL, 0.5, null, null, "scaling of the largest entry"));
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        float lambda = (float) setup.parameters().number("lambda");
        return (chunk, out) -> {
            float[] b = chunk.base();
            for (int i = 0; i < chunk.count(); i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (float[] m : chunk.models()) {
                    max = Math.max(max, m[i] - b[i]);
                }
                out[i] = b[i] + lambda * max;
            }
        };
    }

    /** The same merge written out, for checking results. */
    public static float expected(float base, float[] models, float lambda) {
        float max = Float.NEGATIVE_INFINITY;
        for (float m : models) {
            max = Math.max(max, m - base);
        }
        return base + lambda * max;
    }
}
