package io.adamerge.cli.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.merge.MergeListener;
import io.adamerge.cli.ProgressListener;
import io.adamerge.taskvector.Distances;
import io.adamerge.taskvector.ModelSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code adamerge distance}: how far apart models and their task vectors are. */
@Command(name = "distance", mixinStandardHelpOptions = true,
        description = {"L1 and L2 distances and cosine similarity between every pair of models and of their task "
                + "vectors (model − base), over all floating tensors, streamed.",
                "Also each task vector's L1 and L2 norm (its distance from the base)."})
public final class DistanceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--base", paramLabel = "PRE", description = "pretrained model (for task vectors)")
    Path base;

    @Parameters(arity = "2..*", paramLabel = "MODEL", description = "models to compare (at least two)")
    List<Path> models;

    @Option(names = "--json", description = "print JSON instead of tables")
    boolean json;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--allow-nonfinite", description = "compare even if a model holds NaN or infinity")
    boolean allowNonFinite;

    @Override
    public Integer call() throws Exception {
        return distance();
    }

    private int distance() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> labels = labels(models);
        Distances d;
        try (ModelSet inputs = ModelSet.open(base, models, allowNonFinite)) {
            MergeListener progress = new ProgressListener("distance", !noProgress);
            progress.begin(inputs.floatTensors().size());
            try {
                d = Distances.compute(inputs, labels, 1 << 18, name -> progress.step("distance", name));
            } finally {
                progress.end();
            }
        }
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(d)));
        } else {
            printTables(d, out);
        }
        out.flush();
        return 0;
    }

    /** File names, made unique with their index where two are equal. */
    static List<String> labels(List<Path> paths) {
        List<String> names = new ArrayList<>();
        for (Path p : paths) {
            Path n = p.getFileName();
            names.add(n == null ? p.toString() : n.toString());
        }
        Set<String> seen = new HashSet<>();
        Set<String> dup = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                dup.add(n);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(dup.contains(names.get(i)) ? (i + 1) + ":" + names.get(i) : names.get(i));
        }
        return out;
    }

    private static ObjectNode toJson(Distances d) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode labels = root.putArray("models");
        d.labels().forEach(labels::add);
        root.put("parameters", d.elements());
        ArrayNode pairs = root.putArray("pairs");
        for (Distances.Pair p : d.pairs()) {
            ObjectNode o = pairs.addObject();
            o.put("a", d.labels().get(p.a()));
            o.put("b", d.labels().get(p.b()));
            ObjectNode m = o.putObject("models");
            m.put("l1", p.l1());
            m.put("l2", p.l2());
            putNumber(m, "cosine", p.cosine());
            if (!d.taskVectors().isEmpty()) {
                ObjectNode t = o.putObject("task_vectors");
                t.put("l1", p.taskL1());
                t.put("l2", p.taskL2());
                putNumber(t, "cosine", p.taskCosine());
            }
        }
        if (!d.taskVectors().isEmpty()) {
            ArrayNode norms = root.putArray("task_vector_norms");
            for (Distances.Norms n : d.taskVectors()) {
                norms.addObject().put("model", d.labels().get(n.model())).put("l1", n.l1()).put("l2", n.l2());
            }
        }
        return root;
    }

    /** JSON has no NaN: an undefined cosine (a zero vector) is null. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static void printTables(Distances d, PrintWriter out) {
        boolean tv = !d.taskVectors().isEmpty();
        int width = Math.max(7, d.labels().stream().mapToInt(String::length).max().orElse(7));
        out.printf(Locale.ROOT, "%,d parameters per model%n%n", d.elements());
        String head = "%-" + width + "s  %-" + width + "s  %12s  %12s  %9s";
        out.printf(Locale.ROOT, head + (tv ? "  %12s  %12s  %9s" : "") + "%n", "model A", "model B", "L1", "L2",
                "cosine", "L1 (TV)", "L2 (TV)", "cos (TV)");
        for (Distances.Pair p : d.pairs()) {
            String row = String.format(Locale.ROOT, "%-" + width + "s  %-" + width + "s  %12.6g  %12.6g  %9.6f",
                    d.labels().get(p.a()), d.labels().get(p.b()), p.l1(), p.l2(), p.cosine());
            if (tv) {
                row += String.format(Locale.ROOT, "  %12.6g  %12.6g  %9.6f", p.taskL1(), p.taskL2(), p.taskCosine());
            }
            out.println(row);
        }
        if (tv) {
            out.println();
            out.printf(Locale.ROOT, "%-" + width + "s  %12s  %12s%n", "model", "|T|_1", "|T|_2");
            for (Distances.Norms n : d.taskVectors()) {
                out.printf(Locale.ROOT, "%-" + width + "s  %12.6g  %12.6g%n", d.labels().get(n.model()), n.l1(), n.l2());
            }
            out.println("(TV = task vector, model − base)");
        }
    }
}
