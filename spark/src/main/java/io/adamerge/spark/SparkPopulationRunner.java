package io.adamerge.spark;

import io.adamerge.merge.search.PopulationRunner;
import io.adamerge.merge.search.SearchJob;
import io.adamerge.search.Evaluation;
import java.io.File;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * Evaluates a search's batches on Apache Spark: the driver (this process) runs the optimiser; each batch becomes an RDD
 * of (index, candidate) in as many partitions as the cluster runs tasks at once; each task loads the pool from the
 * job's {@link io.adamerge.merge.search.SearchPoolSource} (a shared path) once per executor JVM ({@link ExecutorScorers}),
 * merges and scores its candidates on the validation splits and returns (index, accuracy, loss); the driver puts them
 * back in index order. The scores are those of the in-process search (same code, same inputs), so the search is the same.
 *
 * <p>Masters: {@code local}, {@code local[N]}, {@code local[*]}, {@code spark://host:port}, {@code yarn},
 * {@code k8s://...}. For a cluster, the project's jars travel with {@code spark.jars}: every jar on this JVM's class path
 * that is not Spark's own ({@code adamerge.spark.jars}, a comma-separated list, overrides).
 */
public final class SparkPopulationRunner implements PopulationRunner {
    /** System property: the jars executors need (comma-separated); default: this class path less Spark's jars. */
    public static final String JARS = "adamerge.spark.jars";

    @Override
    public boolean accepts(String master) {
        String m = master.trim().toLowerCase(Locale.ROOT);
        return m.equals("local") || m.startsWith("local[") || m.startsWith("spark://") || m.equals("yarn") || m.startsWith("k8s://");
    }

    @Override
    public Session open(String master, SearchJob job) {
        if (job.source() == null) {
            throw new IllegalArgumentException("a Spark search needs a pool loadable from files");
        }
        quietLogs();
        SparkConf conf = new SparkConf().setMaster(master).setAppName("adamerge coefficient search").set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        } else {
            List<String> jars = jars();
            if (!jars.isEmpty()) {
                conf.set("spark.jars", String.join(",", jars));
            }
        }
        JavaSparkContext sc = context(master, conf);
        Broadcast<SearchJob> broadcast = sc.broadcast(job);
        return new Session() {
            @Override
            public List<Evaluation> evaluate(long firstIndex, List<double[]> points) {
                List<Candidate> candidates = new ArrayList<>();
                for (int i = 0; i < points.size(); i++) {
                    candidates.add(new Candidate(firstIndex + i, points.get(i).clone()));
                }
                int slices = Math.max(1, Math.min(points.size(), sc.defaultParallelism()));
                List<Scored> scored = new ArrayList<>(sc.parallelize(candidates, slices).mapPartitions(new ScorePartition(broadcast)).collect());
                scored.sort(Comparator.comparingLong(Scored::index));
                List<Evaluation> out = new ArrayList<>();
                for (int i = 0; i < scored.size(); i++) {
                    Scored s = scored.get(i);
                    if (s.index() != firstIndex + i) {
                        throw new IllegalStateException("Spark returned no score for candidate " + (firstIndex + i));
                    }
                    out.add(new Evaluation(s.point(), s.accuracy(), s.loss()));
                }
                return out;
            }

            @Override
            public String description() {
                return "Spark " + master;
            }

            @Override
            public void close() {
                broadcast.destroy();
                if (master.startsWith("local")) {
                    ExecutorScorers.release(job); // the executors are this JVM: free the search's scorers now
                }
            }
        };
    }

    private static final Map<String, JavaSparkContext> CONTEXTS = new HashMap<>();

    /**
     * One context per master for the life of this JVM (the rows of a table share it, and the executors keep the pool
     * loaded between them); Spark's own shutdown hook stops it when the JVM exits.
     */
    private static synchronized JavaSparkContext context(String master, SparkConf conf) {
        JavaSparkContext sc = CONTEXTS.get(master);
        if (sc == null || sc.sc().isStopped()) {
            CONTEXTS.values().forEach(JavaSparkContext::stop); // Spark allows one active context per JVM
            CONTEXTS.clear();
            sc = new JavaSparkContext(conf);
            CONTEXTS.put(master, sc);
        }
        return sc;
    }

    /** Spark, Hadoop and Netty log at INFO through slf4j-simple otherwise: WARN unless the user set a level. */
    private static void quietLogs() {
        for (String name : List.of("org.apache.spark", "org.apache.hadoop", "org.sparkproject", "io.netty")) {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** The jars executors need: {@value #JARS}, else this class path less Spark's own jars (target/spark-lib). */
    static List<String> jars() {
        String explicit = System.getProperty(JARS);
        if (explicit != null && !explicit.isBlank()) {
            return Arrays.stream(explicit.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.endsWith(".jar") && !entry.contains(File.separator + "spark-lib" + File.separator)) {
                out.add(new File(entry).getAbsolutePath());
            }
        }
        return out;
    }

    /** One candidate of a batch. */
    record Candidate(long index, double[] point) implements Serializable {
    }

    /** Its scores. */
    record Scored(long index, double[] point, double accuracy, double loss) implements Serializable {
    }

    /** Scores a partition's candidates with a scorer of this executor (one per concurrently running task). */
    static final class ScorePartition implements FlatMapFunction<Iterator<Candidate>, Scored> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<SearchJob> job;

        ScorePartition(Broadcast<SearchJob> job) {
            this.job = job;
        }

        @Override
        public Iterator<Scored> call(Iterator<Candidate> candidates) {
            List<Scored> out = new ArrayList<>();
            ExecutorScorers.with(job.value(), scorer -> {
                while (candidates.hasNext()) {
                    Candidate c = candidates.next();
                    Evaluation e = scorer.validate(c.point());
                    out.add(new Scored(c.index(), c.point(), e.accuracy(), e.loss()));
                }
            });
            return out.iterator();
        }
    }
}
