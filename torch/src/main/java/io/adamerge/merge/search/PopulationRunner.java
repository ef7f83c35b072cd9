package io.adamerge.merge.search;

import io.adamerge.search.Evaluation;
import io.adamerge.search.PopulationEvaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Evaluates a search's batches somewhere else than in this process (a Spark cluster): found through
 * {@link ServiceLoader} ({@code META-INF/services/io.adamerge.merge.search.PopulationRunner}), so that the command line
 * without that module stays small. Without a master URL the search runs in this process ({@link #inProcess}).
 */
public interface PopulationRunner {
    /** An open evaluator of one search job; close it when the search is done. */
    interface Session extends PopulationEvaluator, AutoCloseable {
        /** Where the candidates are evaluated, for notes ("in-process", "Spark local[2]"). */
        String description();

        @Override
        void close();
    }

    /** Whether this runner serves {@code master} (e.g. {@code local[*]}, {@code spark://host:7077}). */
    boolean accepts(String master);

    /** An evaluator of {@code job}'s candidates on {@code master}; the job's source must be set. */
    Session open(String master, SearchJob job);

    /** Scores every candidate with {@code scorer}, in order, in this process. */
    static Session inProcess(SearchScorer scorer) {
        return new Session() {
            @Override
            public List<Evaluation> evaluate(long firstIndex, List<double[]> points) {
                List<Evaluation> out = new ArrayList<>();
                for (double[] p : points) {
                    out.add(scorer.validate(p));
                }
                return out;
            }

            @Override
            public String description() {
                return "in-process";
            }

            @Override
            public void close() {
            }
        };
    }

    /** The session for {@code master}: in-process when null, else the first runner on the class path that accepts it. */
    static Session open(String master, SearchJob job, SearchScorer local) {
        if (master == null || master.isBlank()) {
            return inProcess(local);
        }
        if (job.source() == null) {
            throw new IllegalArgumentException("--spark needs a pool loadable from files (a zoo folder and a data folder); this one is "
                    + "built in memory");
        }
        for (PopulationRunner r : ServiceLoader.load(PopulationRunner.class, PopulationRunner.class.getClassLoader())) {
            if (r.accepts(master)) {
                return r.open(master, job);
            }
        }
        throw new IllegalArgumentException("--spark " + master + ": no population runner on the class path takes this master "
                + "(the Spark module, adamerge-spark, is not loaded: ./adamerge adds it when --spark is given)");
    }
}
