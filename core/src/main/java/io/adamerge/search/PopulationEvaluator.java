package io.adamerge.search;

import java.util.List;

/**
 * Scores a batch of candidates (a generation of CMA-ES, a batch of random search) on the validation splits: in this
 * process, or spread over a cluster. Must be deterministic: the same point gives the same scores wherever and in
 * whatever order it is evaluated, so a search gives the same result with any evaluator.
 */
@FunctionalInterface
public interface PopulationEvaluator {
    /**
     * @param firstIndex the number of candidates the search evaluated before this batch (the first one's index)
     * @param points     the candidates, in order
     * @return one evaluation per point, in the same order
     */
    List<Evaluation> evaluate(long firstIndex, List<double[]> points);
}
