package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forgetting by negation (Ilharco et al., "Editing models with task arithmetic", Table 1): θ = θ_pre − λ·T_target for
 * each target task. λ is the largest value of the grid for which the control keeps at least {@code keep} (95%) of its
 * pretrained accuracy, chosen on validation images, never on the test split; target and control accuracy are then
 * reported on test images, next to the pretrained model's. The control is a task of the zoo, or by default the other
 * tasks together (mean accuracy), since the zoo has no pretraining-task head like the paper's ImageNet.
 */
public final class NegationStudy {
    /** Fraction of the control's pretrained accuracy that must be kept. */
    public static final double KEEP = 0.95;

    private NegationStudy() {
    }

    /**
     * One target: accuracies (%) on test images; {@code lambda} 0 when no λ of the grid keeps the control.
     *
     * @param control the control task, or "others" for the mean over the other tasks
     */
    public record Row(String target, String control, double lambda, double targetPretrained, double targetNegated,
                      double controlPretrained, double controlNegated, double controlValidationKept) {
    }

    public record Result(List<Row> rows, List<Double> lambdas, double keep, int testImages, double seconds) {
    }

    /**
     * @param controls control tasks in order of preference: each target's control is the first of them that is not the
     *                 target itself (a task cannot be its own control); when none is left (or the list is empty), the
     *                 other tasks together
     */
    public static Result run(StudyContext ctx, List<String> tasks, List<String> controls) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        controls.forEach(ctx::checkTask);
        List<Double> grid = ctx.settings().sensitivityLambdas().stream().filter(l -> l > 0).sorted().toList();
        Map<String, NDArray> pre = ctx.pretrainedWeights();
        Map<String, TaskSplit> validation = new LinkedHashMap<>();
        for (String t : tasks) {
            validation.put(t, ctx.validation(t));
        }
        for (String c : controls) {
            validation.putIfAbsent(c, ctx.validation(c));
        }
        List<Row> rows = new ArrayList<>();
        for (String target : tasks) {
            String control = controls.stream().filter(c -> !c.equals(target)).findFirst().orElse(null);
            List<String> controlTasks = control != null ? List.of(control) : tasks.stream().filter(t -> !t.equals(target)).toList();
            if (controlTasks.isEmpty()) {
                throw new IllegalArgumentException("negation study: target task '" + target
                        + "' has no control task (name a --negation-control other than the target, or negate several tasks)");
            }
            double controlPreVal = mean(ctx, controlTasks, pre, validation);
            double chosen = 0;
            double keptVal = controlPreVal;
            Map<String, NDArray> tv = ctx.taskVector(target);
            for (double lambda : grid) {
                try (NDManager scope = ctx.manager().newSubManager()) {
                    Map<String, NDArray> negated = negate(pre, tv, lambda, scope);
                    double controlVal = mean(ctx, controlTasks, negated, validation);
                    if (controlVal >= KEEP * controlPreVal) {
                        chosen = lambda;
                        keptVal = controlVal;
                    }
                }
            }
            double targetPre = ctx.evaluate(target, pre).accuracy();
            double controlPre = meanTest(ctx, controlTasks, pre);
            double targetNeg = targetPre;
            double controlNeg = controlPre;
            if (chosen > 0) {
                try (NDManager scope = ctx.manager().newSubManager()) {
                    Map<String, NDArray> negated = negate(pre, tv, chosen, scope);
                    targetNeg = ctx.evaluate(target, negated).accuracy();
                    controlNeg = meanTest(ctx, controlTasks, negated);
                }
            }
            rows.add(new Row(target, control != null ? control : "others", chosen, targetPre, targetNeg, controlPre, controlNeg,
                    controlPreVal == 0 ? 1 : keptVal / controlPreVal));
        }
        return new Result(rows, grid, KEEP, ctx.settings().testImages(), (System.nanoTime() - t0) / 1e9);
    }

    /** θ_pre − λ·T on {@code scope}. */
    static Map<String, NDArray> negate(Map<String, NDArray> pre, Map<String, NDArray> taskVector, double lambda, NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : pre.entrySet()) {
            NDArray t = taskVector.get(e.getKey());
            NDArray v = t == null ? e.getValue().duplicate() : e.getValue().sub(t.mul((float) lambda));
            v.attach(scope);
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static double mean(StudyContext ctx, List<String> tasks, Map<String, NDArray> weights, Map<String, TaskSplit> images) {
        double sum = 0;
        for (String t : tasks) {
            sum += ctx.evaluate(t, weights, images.get(t)).accuracy();
        }
        return sum / tasks.size();
    }

    private static double meanTest(StudyContext ctx, List<String> tasks, Map<String, NDArray> weights) {
        double sum = 0;
        for (String t : tasks) {
            sum += ctx.evaluate(t, weights).accuracy();
        }
        return sum / tasks.size();
    }
}
