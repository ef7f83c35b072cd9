package io.adamerge.merge.data;

import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import java.util.List;

/** {@code regmean} in the merge registry: {@link RegMean} with its settings as merge parameters. */
public final class RegMeanMethod implements DataMergeProvider {
    private static final RegMean.Settings DEFAULTS = RegMean.Settings.defaults();
    private static final String PATCH_REGMEAN = "regmean";
    private static final String PATCH_AVERAGE = "average";

    @Override
    public String name() {
        return "regmean";
    }

    @Override
    public String description() {
        return "RegMean: every linear layer W = (Σ G̃_k)^-1 Σ G̃_k W_k from the Grams of its inputs on each task's "
                + "data, other parameters averaged";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(
                MergeParameter.integer("samples", ParameterScope.GLOBAL, (long) DEFAULTS.samples(), 1L, (long) Integer.MAX_VALUE,
                        "images per task for the Gram matrices (all when a task has fewer)"),
                MergeParameter.number("alpha", ParameterScope.GLOBAL, DEFAULTS.alpha(), 0.0, 1.0,
                        "scale of the Grams' off-diagonal entries"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, DEFAULTS.seed(), "picks the images"),
                MergeParameter.integer("batch_size", ParameterScope.GLOBAL, (long) DEFAULTS.batchSize(), 1L, (long) Integer.MAX_VALUE,
                        "images per forward pass"),
                MergeParameter.choice("patch_embedding", DEFAULTS.patchEmbeddingAsLinear() ? PATCH_REGMEAN : PATCH_AVERAGE,
                        List.of(PATCH_REGMEAN, PATCH_AVERAGE),
                        "merge the patch embedding as the linear layer it is, or average it (as FusionBench)"));
    }

    @Override
    public boolean needsHeads() {
        return false;
    }

    @Override
    public RegMean create(MergeParameters p) {
        return new RegMean(new RegMean.Settings((int) p.integer("samples"), p.number("alpha"), (int) p.integer("batch_size"),
                p.integer("seed"), p.choice("patch_embedding").equals(PATCH_REGMEAN)));
    }
}
