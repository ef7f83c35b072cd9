package io.adamerge.search;

/**
 * Settings of one coefficient search over [0, 1]^d.
 *
 * @param algorithm  random search or CMA-ES
 * @param objective  validation accuracy or loss
 * @param budget     merged-model evaluations in all, the start point included
 * @param population candidates per batch (CMA-ES: its λ; random search: how many are evaluated, and saved, together); 0:
 *                   CMA-ES's default 4 + ⌊3 ln d⌋
 * @param seed       seeds every random draw
 * @param start      every coefficient of the start point (the first candidate)
 * @param sigma      CMA-ES's initial step size per coefficient (ignored by random search)
 */
public record SearchSettings(SearchAlgorithm algorithm, SearchObjective objective, int budget, int population, long seed, double start,
                             double sigma) {
    public SearchSettings {
        if (algorithm == null || objective == null) {
            throw new IllegalArgumentException("a search needs an algorithm and an objective");
        }
        if (budget < 1) {
            throw new IllegalArgumentException("search budget must be >= 1 evaluation, got " + budget);
        }
        if (population < 0 || population == 1 && algorithm == SearchAlgorithm.CMAES) {
            throw new IllegalArgumentException("population must be 0 (default) or >= " + (algorithm == SearchAlgorithm.CMAES ? 2 : 1)
                    + ", got " + population);
        }
        if (!(start >= 0 && start <= 1)) {
            throw new IllegalArgumentException("search start value must be in [0, 1], got " + start);
        }
        if (!(sigma > 0 && sigma <= 1)) {
            throw new IllegalArgumentException("CMA-ES sigma must be in (0, 1], got " + sigma);
        }
    }

    /** Candidates per batch for a search in {@code dimension} coefficients. */
    public int populationFor(int dimension) {
        return population > 0 ? population : 4 + (int) Math.floor(3 * Math.log(dimension));
    }

    /**
     * What the sequence of candidates depends on (everything but the budget: a larger budget continues the same
     * sequence, so a state file of a smaller one is a valid start).
     */
    public String sequenceKey(int dimension) {
        return algorithm.label() + "/" + objective.label() + "/d" + dimension + "/pop" + populationFor(dimension) + "/seed" + seed + "/start"
                + start + "/sigma" + sigma;
    }
}
