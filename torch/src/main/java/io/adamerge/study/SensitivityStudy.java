package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.table.TableRow;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeMethodInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * λ sensitivity (the paper's Figure 1): average accuracy of every data-free method with a λ (Task Arithmetic and
 * Ties-Merging by default) merging all tasks, for each λ of a grid, with the other methods' averages (the learnt
 * AdaMerging and AdaMerging++ by default) as reference levels. The spectral merges (TSV-M, Iso-C, Iso-CTS) draw their
 * α curve over the official grid 0.1 … 3.0 beside them; a method whose swept parameter is its
 * {@link MergeMethod#scaleParameter() scale parameter} is decomposed once and rescaled for every value.
 */
public final class SensitivityStudy {
    private SensitivityStudy() {
    }

    /**
     * One method over a grid of its parameter {@code parameter} ({@code lambda}, or {@code alpha} of the spectral
     * merges): average accuracy (%) and per-task accuracy at each value ({@code lambdas}).
     */
    public record Curve(String method, List<Double> lambdas, List<Double> avg, List<Map<String, Double>> perTask, String parameter) {
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
            String swept = swept(m);
            if (swept != null) {
                curves.add(curve(ctx, tasks, swept.equals("lambda") ? grid : TableRow.ALPHA_GRID, m, swept));
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

    /** The parameter a data-free method's curve sweeps: λ where it has one, else its scale parameter (α); else null. */
    static String swept(StudyMethod m) {
        if (m.method().kind() != MergeMethodInfo.Kind.DATA_FREE || !(m.method() instanceof MergeMethod method)) {
            return null;
        }
        if (m.parameters().containsKey("lambda")) {
            return "lambda";
        }
        return method.scaleParameter().orElse(null);
    }

    /** The curve's name is the method's label without its fixed λ ("Task Arithmetic", "Ties-Merging"). */
    private static Curve curve(StudyContext ctx, List<String> tasks, List<Double> grid, StudyMethod m, String parameter) {
        List<Double> avg = new ArrayList<>();
        List<Map<String, Double>> perTask = new ArrayList<>();
        boolean rescaled = ((MergeMethod) m.method()).scaleParameter().filter(parameter::equals).isPresent();
        ModelPool.Scalable scalable = rescaled ? ctx.models().scalable(m.method().name(), m.parameters(), tasks) : null;
        for (double value : grid) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, NDArray> merged;
                if (scalable != null) {
                    merged = scalable.at(value, scope);
                } else {
                    Map<String, Object> p = new LinkedHashMap<>(m.parameters());
                    p.put(parameter, value);
                    merged = ctx.merge(new StudyMethod(m.label(), m.method(), p), "", tasks, List.of(), scope);
                }
                Map<String, Double> acc = GeneralizationStudy.accuracies(ctx, tasks, merged);
                perTask.add(acc);
                avg.add(GeneralizationStudy.mean(acc));
            }
        }
        String name = m.label().replaceFirst(" \\(λ [^)]*\\)$", "");
        return new Curve(name, grid, avg, perTask, parameter);
    }
}
