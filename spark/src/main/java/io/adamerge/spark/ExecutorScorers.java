package io.adamerge.spark;

import io.adamerge.merge.search.SearchJob;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.merge.search.SearchScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * What an executor JVM keeps between Spark tasks: each search job's pool, loaded once from its source, and idle scorers
 * of it (a scorer holds its own copy of the task vectors and is used by one task at a time, so concurrent tasks of one
 * executor each get one).
 */
final class ExecutorScorers {
    private static final class Loaded {
        final SearchPoolSource.OpenPool pool;
        final ConcurrentLinkedQueue<SearchScorer> idle = new ConcurrentLinkedQueue<>();
        final List<SearchScorer> all = new ArrayList<>();

        Loaded(SearchPoolSource.OpenPool pool) {
            this.pool = pool;
        }
    }

    private static final Map<SearchJob, Loaded> LOADED = new ConcurrentHashMap<>();

    private ExecutorScorers() {
    }

    /** Runs {@code work} with a scorer of {@code job} that no other task uses meanwhile. */
    static void with(SearchJob job, Consumer<SearchScorer> work) {
        Loaded loaded = LOADED.computeIfAbsent(job, j -> new Loaded(j.source().open()));
        SearchScorer scorer = loaded.idle.poll();
        if (scorer == null) {
            scorer = new SearchScorer(loaded.pool, job);
            synchronized (loaded.all) {
                loaded.all.add(scorer);
            }
        }
        try {
            work.accept(scorer);
        } finally {
            loaded.idle.add(scorer);
        }
    }

    /** Closes every scorer and pool (a local master's executors are the driver's JVM). */
    static synchronized void closeAll() {
        for (Loaded l : LOADED.values()) {
            synchronized (l.all) {
                l.all.forEach(SearchScorer::close);
                l.all.clear();
            }
            l.idle.clear();
            l.pool.close();
        }
        LOADED.clear();
    }
}
