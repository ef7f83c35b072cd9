package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.MergeMethodInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * λ sensitivity (the paper's Figure 1): average accuracy of every data-free method with a λ (Task Arithmetic and
 * Ties-Merging by default) merging all tasks, for each λ of a grid, with the other methods' averages (the learnt
 * AdaMerging and AdaMerging++ by default) as reference levels.
 */
public final class SensitivityStudy {
    private SensitivityStudy() {
    }

    /** One method over the λ grid: average accuracy (%) and per-task accuracy at each λ. */
    public record Curve(String method, List<Double> lambdas, List<Double> avg, List<Map<String, Double>> perTask) {
    }

    /** {@code levels}: method label → average accuracy (%) of the methods without a λ curve. */
    public record Result(List<String> tasks, List<Curve> curves, Map<String, Double> levels, int testImages, int adaSteps,
                         double seconds) {
    }

    public static Result run(StudyContext ctx, List<String> tasks) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        List<Double> grid = ctx.settings().sensitivityLambdas();
        List<Curve> curves = new ArrayList<>();
        Map<String, Double> levels = new LinkedHashMap<>();
        for (StudyMethod m : ctx.methods()) {
            if (m.method().kind() == MergeMethodInfo.Kind.DATA_FREE && m.parameters().containsKey("lambda")) {
                curves.add(curve(ctx, tasks, grid, m));
                continue;
            }
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, NDArray> merged = ctx.merge(m, "all tasks", tasks, tasks.stream().map(ctx::test).toList(), scope);
                levels.put(m.label(), GeneralizationStudy.mean(GeneralizationStudy.accuracies(ctx, tasks, merged)));
            }
        }
        return new Result(List.copyOf(tasks), curves, levels, ctx.settings().testImages(), ctx.settings().adaSteps(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The curve's name is the method's label without its fixed λ ("Task Arithmetic", "Ties-Merging"). */
    private static Curve curve(StudyContext ctx, List<String> tasks, List<Double> grid, StudyMethod m) {
        List<Double> avg = new ArrayList<>();
        List<Map<String, Double>> perTask = new ArrayList<>();
        for (double lambda : grid) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, Object> p = new LinkedHashMap<>(m.parameters());
                p.put("lambda", lambda);
                Map<String, NDArray> merged = ctx.merge(new StudyMethod(m.label(), m.method(), p), "", tasks, List.of(), scope);
                Map<String, Double> acc = GeneralizationStudy.accuracies(ctx, tasks, merged);
                perTask.add(acc);
                avg.add(GeneralizationStudy.mean(acc));
            }
        }
        String name = m.label().replaceFirst(" \\(λ [^)]*\\)$", "");
        return new Curve(name, grid, avg, perTask);
    }
}
