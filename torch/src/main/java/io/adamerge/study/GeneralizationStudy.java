package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generalisation to unseen tasks (the paper's Table 4): merge the seen tasks only, AdaMerging learning its
 * coefficients on their unlabelled test images, then evaluate every task — the unseen ones with their own
 * fine-tuned heads on the merged encoder.
 */
public final class GeneralizationStudy {
    private GeneralizationStudy() {
    }

    /** Which tasks are merged and which are held out; a name for the tables. */
    public record Split(String name, List<String> seen, List<String> unseen) {
        public Split {
            seen = List.copyOf(seen);
            unseen = List.copyOf(unseen);
            if (seen.isEmpty() || unseen.isEmpty()) {
                throw new IllegalArgumentException("split '" + name + "' needs seen and unseen tasks");
            }
            for (String u : unseen) {
                if (seen.contains(u)) {
                    throw new IllegalArgumentException("split '" + name + "': task '" + u + "' is both seen and unseen");
                }
            }
        }

        /** Every zoo task except {@code unseen} is seen. */
        public static Split leaveOut(String name, List<String> allTasks, List<String> unseen) {
            List<String> seen = allTasks.stream().filter(t -> !unseen.contains(t)).toList();
            for (String u : unseen) {
                if (!allTasks.contains(u)) {
                    throw new IllegalArgumentException("split '" + name + "': unseen task '" + u + "' is not one of " + allTasks);
                }
            }
            return new Split(name, seen, unseen);
        }
    }

    /** The two default held-out pairs of the image zoo, like the paper's two experiments. */
    public static List<List<String>> defaultUnseen() {
        return List.of(List.of("mnist", "glyphs-k-t"), List.of("fashion-rot90", "kana-10"));
    }

    /**
     * The default held-out tasks of a zoo with {@code tasks}: the image pairs when the zoo has them; else the last two
     * and the first two tasks (with four or more tasks), or the last task alone (with two or three).
     */
    public static List<List<String>> defaultUnseen(List<String> tasks) {
        if (defaultUnseen().stream().allMatch(tasks::containsAll)) {
            return defaultUnseen();
        }
        int n = tasks.size();
        if (n < 2) {
            throw new IllegalArgumentException("the generalisation study needs at least two tasks, the zoo has " + tasks);
        }
        if (n < 4) {
            return List.of(List.of(tasks.get(n - 1)));
        }
        return List.of(List.of(tasks.get(n - 2), tasks.get(n - 1)), List.of(tasks.get(0), tasks.get(1)));
    }

    /** One method on one split: accuracy (%) on each seen and unseen task. */
    public record Row(String method, Map<String, Double> seen, double seenAvg, Map<String, Double> unseen, double unseenAvg) {
    }

    public record SplitResult(Split split, List<Row> rows) {
    }

    public record Result(List<SplitResult> splits, int testImages, int adaSteps, double seconds) {
    }

    public static Result run(StudyContext ctx, List<Split> splits) {
        long t0 = System.nanoTime();
        List<SplitResult> out = new ArrayList<>();
        for (Split split : splits) {
            split.seen().forEach(ctx::checkTask);
            split.unseen().forEach(ctx::checkTask);
            List<TaskSplit> unlabelled = split.seen().stream().map(ctx::test).toList();
            List<Row> rows = new ArrayList<>();
            for (StudyMethod m : ctx.methods()) {
                try (NDManager scope = ctx.manager().newSubManager()) {
                    Map<String, NDArray> merged = ctx.merge(m, "generalization " + split.name(), split.seen(), unlabelled, scope);
                    Map<String, Double> seen = accuracies(ctx, split.seen(), merged);
                    Map<String, Double> unseen = accuracies(ctx, split.unseen(), merged);
                    rows.add(new Row(m.label(), seen, mean(seen), unseen, mean(unseen)));
                }
            }
            out.add(new SplitResult(split, rows));
        }
        return new Result(out, ctx.settings().testImages(), ctx.settings().adaSteps(), (System.nanoTime() - t0) / 1e9);
    }

    static Map<String, Double> accuracies(StudyContext ctx, List<String> tasks, Map<String, NDArray> weights) {
        Map<String, Double> acc = new LinkedHashMap<>();
        for (String t : tasks) {
            acc.put(t, ctx.evaluate(t, weights).accuracy());
        }
        return acc;
    }

    static double mean(Map<String, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
