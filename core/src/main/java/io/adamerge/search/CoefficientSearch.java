package io.adamerge.search;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.CMAESOptimizer;
import org.apache.commons.math3.random.MersenneTwister;

/**
 * A supervised search of merging coefficients in [0, 1]^d with a budget of merged-model evaluations: random search, or
 * CMA-ES from Apache Commons Math ({@link CMAESOptimizer}, not a copy). Candidates are scored in batches by a
 * {@link PopulationEvaluator} (this process or a cluster); after every batch the {@link SearchState} is written, and a
 * rerun with the same settings continues from it.
 *
 * <p>CMA-ES asks for its candidates one at a time, but every candidate of a generation is drawn before any of their
 * values is used. The search therefore replays the optimiser from its seed over the evaluations it already has (their
 * recorded values, each proposed point checked against the recorded one), gives the unknown candidates of the current
 * generation a placeholder value, collects them until the optimiser starts the next generation, and evaluates them as one
 * batch. The candidates, and so the result, do not depend on the evaluator, on the batch sizes it is given, or on
 * interruptions. When the optimiser stops on its own criteria before the budget is spent, it restarts from the best
 * point so far with the next seed.
 */
public final class CoefficientSearch {
    /** Told after every evaluated batch. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (done, budget, best) -> {
        };

        void afterBatch(int evaluations, int budget, Evaluation best);
    }

    /**
     * The search's outcome.
     *
     * @param evaluations every scored candidate, in order (at most the budget)
     * @param bestIndex   index of the best one by the objective (the first on a tie)
     * @param seconds     wall time spent evaluating, over every run that added to the state
     * @param resumed     how many evaluations were read from a state file instead of computed
     */
    public record Result(List<Evaluation> evaluations, int bestIndex, double seconds, int resumed) {
        public Result {
            evaluations = List.copyOf(evaluations);
        }

        public Evaluation best() {
            return evaluations.get(bestIndex);
        }

        /** For each evaluation count n = 1..size, the index of the best of the first n (the best-so-far curve). */
        public int[] bestSoFar(SearchObjective objective) {
            int[] out = new int[evaluations.size()];
            int best = 0;
            for (int i = 0; i < out.length; i++) {
                if (evaluations.get(i).minimised(objective) < evaluations.get(best).minimised(objective)) {
                    best = i;
                }
                out[i] = best;
            }
            return out;
        }
    }

    private CoefficientSearch() {
    }

    /**
     * Runs (or continues) a search.
     *
     * @param dimension  number of coefficients
     * @param problemKey names the problem (zoo, method, validation data): part of the state's key
     * @param stateFile  where the state is read from and written to after every batch (null: none)
     */
    public static Result run(SearchSettings settings, int dimension, String problemKey, PopulationEvaluator evaluator, Path stateFile,
                             Listener listener) {
        if (dimension < 1) {
            throw new IllegalArgumentException("a search needs at least one coefficient");
        }
        String key = problemKey + "|" + settings.sequenceKey(dimension);
        SearchState state = SearchState.load(stateFile, key);
        List<Evaluation> done = new ArrayList<>(state.evaluations());
        for (Evaluation e : done) {
            if (e.point().length != dimension) {
                throw new IllegalArgumentException(stateFile + ": holds points of " + e.point().length + " coefficients, this search has "
                        + dimension);
            }
        }
        if (done.size() > settings.budget()) {
            done = new ArrayList<>(done.subList(0, settings.budget()));
        }
        int resumed = done.size();
        double seconds = state.seconds();
        while (done.size() < settings.budget()) {
            List<double[]> batch = next(settings, dimension, done);
            if (batch.isEmpty()) {
                break;
            }
            batch = batch.subList(0, Math.min(batch.size(), settings.budget() - done.size()));
            long t0 = System.nanoTime();
            List<Evaluation> scored = evaluator.evaluate(done.size(), batch);
            seconds += (System.nanoTime() - t0) / 1e9;
            if (scored.size() != batch.size()) {
                throw new IllegalStateException("the evaluator returned " + scored.size() + " scores for " + batch.size() + " candidates");
            }
            for (int i = 0; i < batch.size(); i++) {
                if (!Arrays.equals(batch.get(i), scored.get(i).point())) {
                    throw new IllegalStateException("the evaluator returned the scores of other candidates than it was given (index "
                            + (done.size() + i) + ")");
                }
            }
            done.addAll(scored);
            if (stateFile != null) {
                SearchState.of(key, done, seconds).save(stateFile);
            }
            listener.afterBatch(done.size(), settings.budget(), done.get(best(done, settings.objective())));
        }
        if (done.isEmpty()) {
            throw new IllegalStateException("the search evaluated no candidate");
        }
        return new Result(done, best(done, settings.objective()), seconds, resumed);
    }

    static int best(List<Evaluation> evaluations, SearchObjective objective) {
        int best = 0;
        for (int i = 1; i < evaluations.size(); i++) {
            if (evaluations.get(i).minimised(objective) < evaluations.get(best).minimised(objective)) {
                best = i;
            }
        }
        return best;
    }

    /** The next batch of candidates after {@code done}; empty when the algorithm has nothing more to propose. */
    static List<double[]> next(SearchSettings s, int dimension, List<Evaluation> done) {
        return switch (s.algorithm()) {
            case RANDOM -> randomBatch(s, dimension, done.size());
            case CMAES -> cmaesBatch(s, dimension, done);
        };
    }

    /** Candidate 0 is the start point; candidate i ≥ 1 is the i-th point drawn uniformly from [0, 1]^d. */
    static List<double[]> randomBatch(SearchSettings s, int dimension, int from) {
        int population = s.populationFor(dimension);
        SplittableRandom random = new SplittableRandom(s.seed());
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < from + population; i++) {
            double[] p = new double[dimension];
            if (i == 0) {
                Arrays.fill(p, s.start());
            } else {
                for (int j = 0; j < dimension; j++) {
                    p[j] = random.nextDouble();
                }
            }
            if (i >= from) {
                out.add(p);
            }
        }
        return out;
    }

    /** Thrown from the objective to stop a replay once the current generation's candidates are collected. */
    private static final class GenerationCollected extends RuntimeException {
        GenerationCollected() {
            super(null, null, false, false);
        }
    }

    /** Replays CMA-ES runs over {@code done} and returns the unknown candidates of the next generation. */
    static List<double[]> cmaesBatch(SearchSettings s, int dimension, List<Evaluation> done) {
        int[] cursor = {0};
        for (int run = 0; ; run++) {
            int before = cursor[0];
            double[] start = new double[dimension];
            if (run == 0) {
                Arrays.fill(start, s.start());
            } else {
                start = done.get(best(done.subList(0, before), s.objective())).point();
            }
            List<double[]> pending = new ArrayList<>();
            int[] pendingIteration = {-1};
            CMAESOptimizer optimizer = new CMAESOptimizer(Integer.MAX_VALUE, 0.0, true, dimension > 100 ? 1 : 0, 0,
                    new MersenneTwister(s.seed() + run), false, null);
            ObjectiveFunction objective = new ObjectiveFunction(point -> {
                if (pending.isEmpty() && cursor[0] < done.size()) {
                    Evaluation known = done.get(cursor[0]);
                    if (!Arrays.equals(point, known.point())) {
                        throw new IllegalStateException("search state does not continue this search: candidate " + cursor[0]
                                + " differs from the recorded one (another version of the optimiser?); delete the state file");
                    }
                    cursor[0]++;
                    return known.minimised(s.objective());
                }
                int iteration = optimizer.getIterations();
                if (pending.isEmpty()) {
                    pendingIteration[0] = iteration;
                } else if (iteration != pendingIteration[0]) {
                    throw new GenerationCollected();
                }
                pending.add(point.clone());
                return 0.0; // a placeholder: no candidate of this generation depends on it
            });
            double[] lower = new double[dimension];
            double[] upper = new double[dimension];
            double[] sigma = new double[dimension];
            Arrays.fill(upper, 1.0);
            Arrays.fill(sigma, s.sigma());
            try {
                optimizer.optimize(new MaxEval(Integer.MAX_VALUE), new MaxIter(Integer.MAX_VALUE), objective, GoalType.MINIMIZE,
                        new InitialGuess(start), new SimpleBounds(lower, upper), new CMAESOptimizer.Sigma(sigma),
                        new CMAESOptimizer.PopulationSize(s.populationFor(dimension)));
            } catch (GenerationCollected collected) {
                return pending;
            }
            if (!pending.isEmpty()) {
                return pending;
            }
            if (cursor[0] == before) {
                return List.of(); // the optimiser stops without asking for anything: nothing more to propose
            }
        }
    }
}
