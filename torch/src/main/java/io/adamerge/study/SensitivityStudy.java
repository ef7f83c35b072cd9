package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * λ sensitivity (the paper's Figure 1): average accuracy of Task Arithmetic and Ties-Merging of all tasks for each λ
 * of a grid, with the learnt AdaMerging and AdaMerging++ averages as reference levels.
 */
public final class SensitivityStudy {
    private SensitivityStudy() {
    }

    /** One method over the λ grid: average accuracy (%) and per-task accuracy at each λ. */
    public record Curve(String method, List<Double> lambdas, List<Double> avg, List<Map<String, Double>> perTask) {
    }

    /** {@code adaMerging}: method label → average accuracy (%). */
    public record Result(List<String> tasks, Curve taskArithmetic, Curve ties, Map<String, Double> adaMerging, int testImages,
                         int adaSteps, double seconds) {
    }

    public static Result run(StudyContext ctx, List<String> tasks) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        List<Double> grid = ctx.settings().sensitivityLambdas();
        Curve ta = curve(ctx, tasks, grid, "Task Arithmetic", false);
        Curve ties = curve(ctx, tasks, grid, "Ties-Merging", true);
        Map<String, Double> ada = new LinkedHashMap<>();
        for (Methods m : List.of(Methods.ADAMERGING, Methods.ADAMERGING_PLUS)) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, NDArray> merged = m.merge(ctx, "all tasks", tasks, tasks.stream().map(ctx::test).toList(), scope);
                ada.put(m.label(ctx.settings().lambda()), GeneralizationStudy.mean(GeneralizationStudy.accuracies(ctx, tasks, merged)));
            }
        }
        return new Result(List.copyOf(tasks), ta, ties, ada, ctx.settings().testImages(), ctx.settings().adaSteps(),
                (System.nanoTime() - t0) / 1e9);
    }

    private static Curve curve(StudyContext ctx, List<String> tasks, List<Double> grid, String name, boolean ties) {
        List<Double> avg = new ArrayList<>();
        List<Map<String, Double>> perTask = new ArrayList<>();
        for (double lambda : grid) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, NDArray> merged = ties ? ctx.ties(tasks, lambda, scope) : ctx.taskArithmetic(tasks, lambda, scope);
                Map<String, Double> acc = GeneralizationStudy.accuracies(ctx, tasks, merged);
                perTask.add(acc);
                avg.add(GeneralizationStudy.mean(acc));
            }
        }
        return new Curve(name, grid, avg, perTask);
    }
}
