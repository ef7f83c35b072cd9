package io.adamerge.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random search and CMA-ES on a synthetic objective: they improve on the start point, their candidates do not depend on
 * the evaluator or on interruptions, and a state file continues a search exactly.
 */
class CoefficientSearchTest {
    @TempDir
    Path tmp;

    static final double[] TARGET = {0.9, 0.1, 0.6, 0.35, 0.75};

    /** Accuracy peaks at TARGET; the loss is the squared distance to it. */
    static Evaluation score(double[] p) {
        double d = 0;
        for (int i = 0; i < p.length; i++) {
            d += (p[i] - TARGET[i]) * (p[i] - TARGET[i]);
        }
        return new Evaluation(p, 100 - 40 * d, d);
    }

    static final PopulationEvaluator IN_ORDER = (first, points) -> points.stream().map(CoefficientSearchTest::score).toList();

    /** Scores the batch back to front, as a cluster may. */
    static final PopulationEvaluator REVERSED = (first, points) -> {
        Evaluation[] out = new Evaluation[points.size()];
        for (int i = points.size() - 1; i >= 0; i--) {
            out[i] = score(points.get(i));
        }
        return Arrays.asList(out);
    };

    static SearchSettings settings(SearchAlgorithm a, SearchObjective o, int budget) {
        return new SearchSettings(a, o, budget, 0, 7, 0.3, 0.2);
    }

    @Test
    void cmaesImprovesOnTheStartPointAndItsCandidatesStayInTheBox() {
        List<Integer> batches = new ArrayList<>();
        CoefficientSearch.Result r = CoefficientSearch.run(settings(SearchAlgorithm.CMAES, SearchObjective.LOSS, 120), 5, "synthetic",
                (first, points) -> {
                    batches.add(points.size());
                    return IN_ORDER.evaluate(first, points);
                }, null, CoefficientSearch.Listener.NONE);
        assertThat(r.evaluations()).hasSize(120);
        // the start point alone, then whole generations of λ = 4 + ⌊3 ln 5⌋ = 8 candidates
        assertThat(batches.subList(0, 4)).containsExactly(1, 8, 8, 8);
        assertThat(r.evaluations().get(0).point()).containsOnly(0.3);
        assertThat(r.best().loss()).isLessThan(r.evaluations().get(0).loss() / 20);
        assertThat(r.evaluations().stream().flatMapToDouble(e -> Arrays.stream(e.point())).allMatch(v -> v >= 0 && v <= 1)).isTrue();
        int[] curve = r.bestSoFar(SearchObjective.LOSS);
        assertThat(curve[curve.length - 1]).isEqualTo(r.bestIndex());
        for (int i = 1; i < curve.length; i++) {
            assertThat(r.evaluations().get(curve[i]).loss()).isLessThanOrEqualTo(r.evaluations().get(curve[i - 1]).loss());
        }
    }

    @Test
    void randomSearchStartsAtTheStartPointThenDrawsUniformly() {
        CoefficientSearch.Result r = CoefficientSearch.run(settings(SearchAlgorithm.RANDOM, SearchObjective.ACCURACY, 40), 5, "synthetic",
                IN_ORDER, null, CoefficientSearch.Listener.NONE);
        assertThat(r.evaluations()).hasSize(40);
        assertThat(r.evaluations().get(0).point()).containsOnly(0.3);
        assertThat(r.best().accuracy()).isGreaterThan(r.evaluations().get(0).accuracy());
        assertThat(r.evaluations().stream().map(e -> Arrays.toString(e.point())).distinct()).hasSize(40);
    }

    @Test
    void theEvaluatorsOrderDoesNotChangeTheSearch() {
        for (SearchAlgorithm a : SearchAlgorithm.values()) {
            CoefficientSearch.Result one = CoefficientSearch.run(settings(a, SearchObjective.ACCURACY, 60), 5, "synthetic", IN_ORDER, null,
                    CoefficientSearch.Listener.NONE);
            CoefficientSearch.Result two = CoefficientSearch.run(settings(a, SearchObjective.ACCURACY, 60), 5, "synthetic", REVERSED, null,
                    CoefficientSearch.Listener.NONE);
            assertThat(two.evaluations()).isEqualTo(one.evaluations());
        }
    }

    @Test
    void anInterruptedSearchContinuesFromItsStateFileExactly() {
        for (SearchAlgorithm a : SearchAlgorithm.values()) {
            SearchSettings full = settings(a, SearchObjective.LOSS, 70);
            CoefficientSearch.Result straight = CoefficientSearch.run(full, 5, "synthetic", IN_ORDER, null, CoefficientSearch.Listener.NONE);
            Path state = tmp.resolve(a.label() + ".json");
            AtomicInteger batches = new AtomicInteger();
            PopulationEvaluator failing = (first, points) -> {
                if (batches.incrementAndGet() > 3) {
                    throw new IllegalStateException("killed");
                }
                return IN_ORDER.evaluate(first, points);
            };
            assertThatThrownBy(() -> CoefficientSearch.run(full, 5, "synthetic", failing, state, CoefficientSearch.Listener.NONE))
                    .hasMessage("killed");
            List<Integer> computed = new ArrayList<>();
            PopulationEvaluator counting = (first, points) -> {
                computed.add(points.size());
                return IN_ORDER.evaluate(first, points);
            };
            CoefficientSearch.Result resumed = CoefficientSearch.run(full, 5, "synthetic", counting, state, CoefficientSearch.Listener.NONE);
            assertThat(resumed.evaluations()).isEqualTo(straight.evaluations());
            assertThat(resumed.resumed()).isPositive();
            assertThat(computed.stream().mapToInt(Integer::intValue).sum()).isEqualTo(70 - resumed.resumed());
            // a larger budget continues the same sequence; a smaller one reads a prefix
            CoefficientSearch.Result more = CoefficientSearch.run(settings(a, SearchObjective.LOSS, 90), 5, "synthetic", IN_ORDER, state,
                    CoefficientSearch.Listener.NONE);
            assertThat(more.evaluations().subList(0, 70)).isEqualTo(straight.evaluations());
            assertThat(more.resumed()).isEqualTo(70);
            CoefficientSearch.Result fewer = CoefficientSearch.run(settings(a, SearchObjective.LOSS, 30), 5, "synthetic",
                    (f, p) -> { throw new AssertionError("nothing to compute"); }, state, CoefficientSearch.Listener.NONE);
            assertThat(fewer.evaluations()).isEqualTo(straight.evaluations().subList(0, 30));
        }
    }

    @Test
    void aStateFileOfAnotherSearchIsRefused() {
        Path state = tmp.resolve("s.json");
        CoefficientSearch.run(settings(SearchAlgorithm.CMAES, SearchObjective.LOSS, 12), 5, "synthetic", IN_ORDER, state,
                CoefficientSearch.Listener.NONE);
        assertThatThrownBy(() -> CoefficientSearch.run(new SearchSettings(SearchAlgorithm.CMAES, SearchObjective.LOSS, 12, 0, 8, 0.3, 0.2), 5,
                "synthetic", IN_ORDER, state, CoefficientSearch.Listener.NONE))
                .hasMessageContaining("holds the state of another search").hasMessageContaining("delete it");
    }
}
