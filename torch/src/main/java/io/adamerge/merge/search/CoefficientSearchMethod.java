package io.adamerge.merge.search;

import io.adamerge.adamerging.Granularity;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.SearchMethod;
import io.adamerge.search.CoefficientSearch;
import io.adamerge.search.PopulationEvaluator;
import io.adamerge.search.SearchAlgorithm;
import io.adamerge.search.SearchObjective;
import io.adamerge.search.SearchSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Supervised coefficient search in the merge registry: the coefficients of Task Arithmetic or of Ties (on its trimmed,
 * sign-elected task vectors), one per task (task-wise) or per task and parameter tensor (layer-wise), searched in
 * [0, 1] by random search or CMA-ES ({@link CoefficientSearch}) to maximise validation accuracy (or minimise validation
 * loss) of the merged model, within a budget of merged-model evaluations. The eight variants are configurations of this
 * one class (the nested presets, one service line each).
 */
public class CoefficientSearchMethod implements SearchMethod {
    /** Default budget in merged-model evaluations. */
    public static final long DEFAULT_BUDGET = 100;

    private final boolean ties;
    private final Granularity granularity;
    private final SearchAlgorithm algorithm;

    protected CoefficientSearchMethod(boolean ties, Granularity granularity, SearchAlgorithm algorithm) {
        this.ties = ties;
        this.granularity = granularity;
        this.algorithm = algorithm;
    }

    /** {@code ta_tw_random}. */
    public static final class TaskArithmeticTaskWiseRandom extends CoefficientSearchMethod {
        public TaskArithmeticTaskWiseRandom() {
            super(false, Granularity.TASK, SearchAlgorithm.RANDOM);
        }
    }

    /** {@code ta_lw_random}. */
    public static final class TaskArithmeticLayerWiseRandom extends CoefficientSearchMethod {
        public TaskArithmeticLayerWiseRandom() {
            super(false, Granularity.LAYER, SearchAlgorithm.RANDOM);
        }
    }

    /** {@code ta_tw_cmaes}. */
    public static final class TaskArithmeticTaskWiseCmaes extends CoefficientSearchMethod {
        public TaskArithmeticTaskWiseCmaes() {
            super(false, Granularity.TASK, SearchAlgorithm.CMAES);
        }
    }

    /** {@code ta_lw_cmaes}. */
    public static final class TaskArithmeticLayerWiseCmaes extends CoefficientSearchMethod {
        public TaskArithmeticLayerWiseCmaes() {
            super(false, Granularity.LAYER, SearchAlgorithm.CMAES);
        }
    }

    /** {@code ties_tw_random}. */
    public static final class TiesTaskWiseRandom extends CoefficientSearchMethod {
        public TiesTaskWiseRandom() {
            super(true, Granularity.TASK, SearchAlgorithm.RANDOM);
        }
    }

    /** {@code ties_lw_random}. */
    public static final class TiesLayerWiseRandom extends CoefficientSearchMethod {
        public TiesLayerWiseRandom() {
            super(true, Granularity.LAYER, SearchAlgorithm.RANDOM);
        }
    }

    /** {@code ties_tw_cmaes}. */
    public static final class TiesTaskWiseCmaes extends CoefficientSearchMethod {
        public TiesTaskWiseCmaes() {
            super(true, Granularity.TASK, SearchAlgorithm.CMAES);
        }
    }

    /** {@code ties_lw_cmaes}. */
    public static final class TiesLayerWiseCmaes extends CoefficientSearchMethod {
        public TiesLayerWiseCmaes() {
            super(true, Granularity.LAYER, SearchAlgorithm.CMAES);
        }
    }

    public boolean ties() {
        return ties;
    }

    public Granularity granularity() {
        return granularity;
    }

    public SearchAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public String name() {
        return (ties ? "ties" : "ta") + "_" + (granularity == Granularity.TASK ? "tw" : "lw") + "_" + algorithm.label();
    }

    @Override
    public String description() {
        return (algorithm == SearchAlgorithm.CMAES ? "CMA-ES" : "random search") + " over " + (granularity == Granularity.TASK
                ? "task-wise" : "layer-wise") + " coefficients of " + (ties ? "Ties (trimmed, sign-elected task vectors)" : "Task Arithmetic")
                + " in [0, 1], scored by validation accuracy or loss of the merged model";
    }

    @Override
    public List<MergeParameter> parameters() {
        List<MergeParameter> p = new ArrayList<>(List.of(
                MergeParameter.integer("budget", ParameterScope.GLOBAL, DEFAULT_BUDGET, 1L, (long) Integer.MAX_VALUE,
                        "merged-model evaluations in all, the start point included"),
                MergeParameter.integer("population", ParameterScope.GLOBAL, 0L, 0L, (long) Integer.MAX_VALUE,
                        "candidates per batch (CMA-ES's λ); 0: 4 + ⌊3 ln d⌋"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, 0L, "seeds the candidates"),
                MergeParameter.choice("objective", SearchObjective.ACCURACY.label(), List.of(SearchObjective.ACCURACY.label(),
                        SearchObjective.LOSS.label()), "maximise mean validation accuracy, or minimise mean validation cross-entropy"),
                MergeParameter.number("initial_value", ParameterScope.GLOBAL, 0.3, 0.0, 1.0, "every coefficient of the first candidate")));
        if (algorithm == SearchAlgorithm.CMAES) {
            p.add(MergeParameter.number("sigma", ParameterScope.GLOBAL, 0.2, Double.MIN_VALUE, 1.0, "CMA-ES's initial step size"));
        }
        if (ties) {
            p.add(MergeParameter.number("density", ParameterScope.GLOBAL, 0.2, Double.MIN_VALUE, 1.0,
                    "fraction of each task vector the Ties trim keeps"));
        }
        return p;
    }

    /** The search's settings from resolved parameters. */
    public SearchSettings settings(MergeParameters p) {
        double sigma = algorithm == SearchAlgorithm.CMAES ? p.number("sigma") : 0.2;
        return new SearchSettings(algorithm, SearchObjective.parse(p.choice("objective")), Math.toIntExact(p.integer("budget")),
                Math.toIntExact(p.integer("population")), p.integer("seed"), p.number("initial_value"), sigma);
    }

    /** The scoring job: this variant's merge of {@code source}'s pool, scored on {@code validationLimit} examples per task. */
    public SearchJob job(SearchPoolSource source, MergeParameters p, int validationLimit) {
        return new SearchJob(source, granularity, ties ? p.number("density") : 0, validationLimit);
    }

    /**
     * Runs (or continues, from {@code stateFile}) the search; candidates are scored by {@code evaluator}.
     *
     * @param problemKey names the pool and validation data, so that a state file of another problem is refused
     */
    public CoefficientSearch.Result run(int dimension, PopulationEvaluator evaluator, MergeParameters p, String problemKey, Path stateFile,
                                        CoefficientSearch.Listener listener) {
        return CoefficientSearch.run(settings(p), dimension, problemKey + "|" + name().toLowerCase(Locale.ROOT), evaluator, stateFile,
                listener);
    }
}
