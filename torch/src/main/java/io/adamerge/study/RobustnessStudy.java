package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Robustness to corrupted test data (the paper's Table 5): four tasks merged; for each test condition (clean and
 * every corruption of the benchmark at one severity: the image corruptions, or the seven text corruptions) Task
 * Arithmetic and Ties are evaluated on the corrupted examples, and AdaMerging learns its coefficients on those
 * corrupted, unlabelled examples before it is evaluated on them.
 */
public final class RobustnessStudy {
    public static final String CLEAN = "clean";

    private RobustnessStudy() {
    }

    /** The paper merges four tasks; ours by default. */
    public static List<String> defaultTasks() {
        return List.of("mnist", "fashion", "glyphs-a-j", "kana-10");
    }

    /** The default tasks of a zoo with {@code tasks}: the image four when it has them, else its first four (or all). */
    public static List<String> defaultTasks(List<String> tasks) {
        return tasks.containsAll(defaultTasks()) ? defaultTasks() : tasks.subList(0, Math.min(4, tasks.size()));
    }

    /** One method: per condition, accuracy (%) on each task and the average. */
    public record Row(String method, Map<String, Map<String, Double>> perTask, Map<String, Double> avg) {
    }

    public record Result(List<String> tasks, int severity, List<String> conditions, List<Row> rows, int testImages, int adaSteps,
                         double seconds) {
    }

    public static Result run(StudyContext ctx, List<String> tasks, List<String> corruptions) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        int severity = ctx.settings().severity();
        List<String> conditions = new ArrayList<>();
        conditions.add(CLEAN);
        conditions.addAll(corruptions);
        Map<StudyMethod, Map<String, Map<String, Double>>> perTask = new LinkedHashMap<>();
        for (StudyMethod m : ctx.methods()) {
            perTask.put(m, new LinkedHashMap<>());
        }
        for (String condition : conditions) {
            List<TaskSplit> images = new ArrayList<>();
            for (String t : tasks) {
                TaskSplit clean = ctx.test(t);
                images.add(condition.equals(CLEAN) ? clean : ctx.corrupt(clean, condition));
            }
            for (StudyMethod m : ctx.methods()) {
                try (NDManager scope = ctx.manager().newSubManager()) {
                    String key = "robustness " + condition + (condition.equals(CLEAN) ? "" : "-" + severity);
                    Map<String, NDArray> merged = ctx.merge(m, key, tasks, images, scope);
                    Map<String, Double> acc = new LinkedHashMap<>();
                    for (int k = 0; k < tasks.size(); k++) {
                        acc.put(tasks.get(k), ctx.evaluate(tasks.get(k), merged, images.get(k)).accuracy());
                    }
                    perTask.get(m).put(condition, acc);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        perTask.forEach((m, byCondition) -> {
            Map<String, Double> avg = new LinkedHashMap<>();
            byCondition.forEach((c, acc) -> avg.put(c, GeneralizationStudy.mean(acc)));
            rows.add(new Row(m.label(), byCondition, avg));
        });
        return new Result(List.copyOf(tasks), severity, conditions, rows, ctx.settings().testImages(), ctx.settings().adaSteps(),
                (System.nanoTime() - t0) / 1e9);
    }
}
