package io.adamerge.spark;

import io.adamerge.merge.search.SearchJob;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.merge.search.SearchScorer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What an executor JVM keeps between Spark tasks: each pool, loaded once from its source, and idle scorers of the
 * current search job (a scorer holds its own copy of the task vectors and serves one task at a time, so concurrent tasks
 * of one executor each get one). When tasks of another job arrive, the idle scorers of earlier jobs are closed, so an
 * executor holds the scorers of one search at a time.
 */
final class ExecutorScorers {
    private static final Map<SearchPoolSource, SearchPoolSource.OpenPool> POOLS = new HashMap<>();
    private static final Map<SearchJob, Deque<SearchScorer>> IDLE = new HashMap<>();

    private ExecutorScorers() {
    }

    /** Runs {@code work} with a scorer of {@code job} that no other task uses meanwhile. */
    static void with(SearchJob job, Consumer<SearchScorer> work) {
        SearchScorer scorer = take(job);
        try {
            work.accept(scorer);
        } finally {
            synchronized (ExecutorScorers.class) {
                IDLE.computeIfAbsent(job, j -> new ArrayDeque<>()).push(scorer);
            }
        }
    }

    private static synchronized SearchScorer take(SearchJob job) {
        for (Iterator<Map.Entry<SearchJob, Deque<SearchScorer>>> it = IDLE.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<SearchJob, Deque<SearchScorer>> e = it.next();
            if (!e.getKey().equals(job)) {
                e.getValue().forEach(SearchScorer::close);
                it.remove();
            }
        }
        Deque<SearchScorer> idle = IDLE.get(job);
        if (idle != null && !idle.isEmpty()) {
            return idle.pop();
        }
        SearchPoolSource.OpenPool pool = POOLS.computeIfAbsent(job.source(), SearchPoolSource::open);
        return new SearchScorer(pool, job);
    }

    /** Closes the idle scorers of {@code job} (a local master's executors are the driver's JVM: called when its search ends). */
    static synchronized void release(SearchJob job) {
        Deque<SearchScorer> idle = IDLE.remove(job);
        if (idle != null) {
            idle.forEach(SearchScorer::close);
        }
    }
}
