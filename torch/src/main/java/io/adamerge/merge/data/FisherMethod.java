package io.adamerge.merge.data;

import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import java.util.List;

/** {@code fisher} in the merge registry: {@link FisherMerging} with its settings as merge parameters. */
public final class FisherMethod implements DataMergeProvider {
    private static final FisherMerging.Settings DEFAULTS = FisherMerging.Settings.defaults();

    @Override
    public String name() {
        return "fisher";
    }

    @Override
    public List<String> aliases() {
        return List.of("fisher_merging");
    }

    @Override
    public String description() {
        return "Fisher merging: θ = Σ F_k θ_k / Σ F_k, F_k the diagonal empirical Fisher of model k with its head "
                + "on its task's data";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(
                MergeParameter.integer("samples", ParameterScope.GLOBAL, (long) DEFAULTS.samples(), 1L, (long) Integer.MAX_VALUE,
                        "images per task for the Fisher (all when a task has fewer)"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, DEFAULTS.seed(), "picks the images and draws the labels"),
                MergeParameter.number("floor", ParameterScope.GLOBAL, Double.valueOf(Float.toString(DEFAULTS.floor())), Double.MIN_VALUE, null,
                        "ε added to every Fisher entry, so entries no task is sensitive to are averaged"));
    }

    @Override
    public boolean needsHeads() {
        return true;
    }

    @Override
    public FisherMerging create(MergeParameters p) {
        return new FisherMerging(new FisherMerging.Settings((int) p.integer("samples"), p.integer("seed"), (float) p.number("floor")));
    }
}
