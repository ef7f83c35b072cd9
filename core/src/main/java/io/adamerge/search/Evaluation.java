package io.adamerge.search;

import java.util.Arrays;

/**
 * One scored candidate of a coefficient search: the point (its coefficients) and what its merged model scored on the
 * validation splits.
 *
 * @param point    the candidate's coefficients, in [0, 1]
 * @param accuracy mean over tasks of the top-1 validation accuracy, percent
 * @param loss     mean over tasks of the validation cross-entropy
 */
public record Evaluation(double[] point, double accuracy, double loss) {
    public Evaluation {
        point = point.clone();
        if (!Double.isFinite(accuracy)) {
            throw new IllegalArgumentException("a candidate's validation accuracy is not finite: " + accuracy);
        }
    }

    @Override
    public double[] point() {
        return point.clone();
    }

    /** How the objective ranks this candidate: smaller is better. */
    public double minimised(SearchObjective objective) {
        return objective == SearchObjective.ACCURACY ? -accuracy : (Double.isFinite(loss) ? loss : Double.MAX_VALUE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && Arrays.equals(point, e.point) && Double.compare(accuracy, e.accuracy) == 0
                && Double.compare(loss, e.loss) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(point) + Double.hashCode(accuracy) * 7 + Double.hashCode(loss);
    }

    @Override
    public String toString() {
        return "Evaluation[accuracy=" + accuracy + ", loss=" + loss + ", point=" + Arrays.toString(point) + "]";
    }
}
