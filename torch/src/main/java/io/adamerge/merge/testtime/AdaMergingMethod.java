package io.adamerge.merge.testtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.Examples;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.eval.ModelPool;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.data.TaskImages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdaMerging (Yang et al., ICLR 2024) in the merge registry: coefficients per task (task-wise) or per task and
 * parameter tensor (layer-wise), learnt by minimising the prediction entropy of each task's head on its unlabelled
 * test inputs; ++ merges Ties-trimmed task vectors. The four variants are configurations of this one class (the nested
 * presets, one service line each), as mergekit's task-arithmetic family is of one class.
 */
public class AdaMergingMethod implements TestTimeMerge {
    private final Granularity granularity;
    private final boolean plus;

    protected AdaMergingMethod(Granularity granularity, boolean plus) {
        this.granularity = granularity;
        this.plus = plus;
    }

    /** {@code tw_adamerging}. */
    public static final class TaskWise extends AdaMergingMethod {
        public TaskWise() {
            super(Granularity.TASK, false);
        }
    }

    /** {@code tw_adamerging_pp}. */
    public static final class TaskWisePlus extends AdaMergingMethod {
        public TaskWisePlus() {
            super(Granularity.TASK, true);
        }
    }

    /** {@code lw_adamerging}. */
    public static final class LayerWise extends AdaMergingMethod {
        public LayerWise() {
            super(Granularity.LAYER, false);
        }
    }

    /** {@code lw_adamerging_pp}. */
    public static final class LayerWisePlus extends AdaMergingMethod {
        public LayerWisePlus() {
            super(Granularity.LAYER, true);
        }
    }

    public Granularity granularity() {
        return granularity;
    }

    public boolean plus() {
        return plus;
    }

    @Override
    public String name() {
        return AdaMergingConfig.defaults(granularity, plus).methodName();
    }

    @Override
    public String description() {
        return (granularity == Granularity.TASK ? "task-wise" : "layer-wise") + " AdaMerging" + (plus ? "++" : "")
                + ": coefficients per task" + (granularity == Granularity.TASK ? "" : " and parameter tensor")
                + " learnt by Adam on the entropy of each head's predictions"
                + (plus ? ", on Ties-trimmed task vectors" : "");
    }

    @Override
    public List<MergeParameter> parameters() {
        AdaMergingConfig d = AdaMergingConfig.defaults(granularity, plus);
        List<MergeParameter> p = new ArrayList<>(List.of(
                MergeParameter.integer("steps", ParameterScope.GLOBAL, (long) d.steps(), 0L, (long) Integer.MAX_VALUE,
                        "Adam steps"),
                MergeParameter.number("learning_rate", ParameterScope.GLOBAL, d.learningRate(), Double.MIN_VALUE, null,
                        "Adam learning rate"),
                MergeParameter.number("beta1", ParameterScope.GLOBAL, d.beta1(), 0.0, 0.999999, "Adam β1"),
                MergeParameter.number("beta2", ParameterScope.GLOBAL, d.beta2(), 0.0, 0.999999, "Adam β2"),
                MergeParameter.number("epsilon", ParameterScope.GLOBAL, d.epsilon(), 0.0, null, "Adam ε"),
                MergeParameter.integer("batch_size", ParameterScope.GLOBAL, (long) d.batchSize(), 1L, (long) Integer.MAX_VALUE,
                        "unlabelled images per task and step"),
                MergeParameter.number("initial_value", ParameterScope.GLOBAL, decimal(d.initialValue()), null, null,
                        "λ of every coefficient at the start"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, d.seed(), "fixes the batches"),
                passActivationMb()));
        if (plus) {
            p.add(MergeParameter.number("density", ParameterScope.GLOBAL, d.tiesDensity(), Double.MIN_VALUE, 1.0,
                    "fraction of each task vector the Ties trim keeps"));
        }
        return p;
    }

    /** The run's settings from resolved parameters. */
    public AdaMergingConfig config(MergeParameters p) {
        double density = plus ? p.number("density") : AdaMergingConfig.DEFAULT_DENSITY;
        return new AdaMergingConfig(granularity, plus, density, (int) p.integer("steps"), p.number("learning_rate"), p.number("beta1"),
                p.number("beta2"), p.number("epsilon"), (int) p.integer("batch_size"), (float) p.number("initial_value"), p.integer("seed"),
                (int) p.integer("pass_activation_mb"));
    }

    /** The parameter values that give {@code shared}'s settings (its granularity and ++ are this variant's). */
    public Map<String, Object> values(AdaMergingConfig shared) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("steps", (long) shared.steps());
        v.put("learning_rate", shared.learningRate());
        v.put("beta1", shared.beta1());
        v.put("beta2", shared.beta2());
        v.put("epsilon", shared.epsilon());
        v.put("batch_size", (long) shared.batchSize());
        v.put("initial_value", decimal(shared.initialValue()));
        v.put("seed", shared.seed());
        putPassActivation(v, shared);
        if (plus) {
            v.put("density", shared.tiesDensity());
        }
        return v;
    }

    /** The test-time methods' {@code pass_activation_mb} (see {@link AdaMergingConfig#passActivationMb}). */
    static MergeParameter passActivationMb() {
        return MergeParameter.integer("pass_activation_mb", ParameterScope.GLOBAL, (long) AdaMergingConfig.DEFAULT_PASS_ACTIVATION_MB,
                0L, (long) Integer.MAX_VALUE, "bound on one forward and backward pass's activations (MiB, the encoder's "
                        + "estimate): tasks share a pass while they fit; 0: all tasks in one pass, as the official code");
    }

    /**
     * {@code shared}'s bound, unless it is the default: a row at the default keeps the cache key it had before the bound
     * existed, as it computes the same numbers (every table zoo's tasks fit one pass).
     */
    static void putPassActivation(Map<String, Object> values, AdaMergingConfig shared) {
        if (shared.passActivationMb() != AdaMergingConfig.DEFAULT_PASS_ACTIVATION_MB) {
            values.put("pass_activation_mb", (long) shared.passActivationMb());
        }
    }

    /** The float as the decimal it prints as (0.3f → 0.3), which converts back to the same float. */
    private static double decimal(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    @Override
    public int steps(MergeParameters parameters) {
        return (int) parameters.integer("steps");
    }

    @Override
    public Outcome run(ModelPool pool, List<String> tasks, List<? extends Examples> unlabelled, MergeParameters parameters, Listener listener,
                       NDManager into) {
        if (unlabelled.size() != tasks.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks but " + unlabelled.size() + " sets of unlabelled images");
        }
        List<AdaMerging.Task> adaTasks = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            adaTasks.add(new AdaMerging.Task(tasks.get(k), pool.head(tasks.get(k)), unlabelled.get(k)));
        }
        try (AdaMerging ada = AdaMerging.create(pool.encoder(), pool.pretrained(), pool.finetuned(tasks), adaTasks, config(parameters),
                into)) {
            Coefficients start = ada.initialCoefficients();
            listener.started(start);
            Coefficients learnt = ada.run(start, (r, c) -> listener.afterStep(r.step(), r.loss(), c));
            Map<String, NDArray> merged = ada.merge(learnt, into);
            return new Outcome(merged, learnt);
        }
    }
}
