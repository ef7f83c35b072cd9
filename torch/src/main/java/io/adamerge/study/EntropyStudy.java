package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.eval.Spearman;
import io.adamerge.eval.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Why entropy works (the paper's Figure 3 argument): over many coefficient vectors — random layer-wise draws and
 * the points of an AdaMerging run — Spearman's rank correlation between a merged model's mean prediction entropy
 * and its mean cross-entropy on labelled test data, per task and over the task means.
 */
public final class EntropyStudy {
    public static final String RANDOM = "random";
    public static final String TRAJECTORY = "trajectory";

    private EntropyStudy() {
    }

    /**
     * One coefficient vector.
     *
     * @param source   {@link #RANDOM} or {@link #TRAJECTORY}
     * @param index    draw number, or the AdaMerging step
     * @param entropy  per task (in {@code tasks} order), mean entropy in nats
     * @param crossEntropy per task, mean cross-entropy in nats
     * @param accuracy per task, %
     */
    public record Point(String source, int index, double[] entropy, double[] crossEntropy, double[] accuracy, double meanEntropy,
                        double meanCrossEntropy, double meanAccuracy) {
    }

    /** Spearman's ρ over the random draws, the trajectory, and both together (NaN with fewer than two points). */
    public record Correlation(String task, double random, double trajectory, double all) {
    }

    /** {@code perTask} in task order; {@code overall} correlates the means over tasks. */
    public record Result(List<String> tasks, List<Point> points, List<Correlation> perTask, Correlation overall, double maxLambda,
                         int testImages, int adaSteps, int trajectoryEvery, double seconds) {
    }

    public static Result run(StudyContext ctx, List<String> tasks) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        var s = ctx.settings();
        List<Point> points = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(s.seed());
        Map<String, NDArray> pre = ctx.pretrainedWeights();
        for (int d = 0; d < s.entropyDraws(); d++) {
            double[][] lambdas = new double[tasks.size()][pre.size()];
            for (double[] row : lambdas) {
                for (int l = 0; l < row.length; l++) {
                    row[l] = rng.nextDouble() * s.entropyMaxLambda();
                }
            }
            try (NDManager scope = ctx.manager().newSubManager()) {
                points.add(point(ctx, tasks, RANDOM, d, ctx.models().layerWise(tasks, lambdas, scope)));
            }
        }
        StudyMethod adaMerging = StudyMethod.of("lw_adamerging", s, ctx.models().methods());
        StudyContext.AdaMergingOutcome run = ctx.learn(adaMerging, "all tasks", tasks, tasks.stream().map(ctx::test).toList());
        for (Coefficients c : run.trajectory()) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                points.add(point(ctx, tasks, TRAJECTORY, c.step(), ctx.merge(tasks, c, scope)));
            }
        }
        List<Correlation> perTask = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            int task = k;
            perTask.add(correlation(tasks.get(k), points, p -> p.entropy()[task], p -> p.crossEntropy()[task]));
        }
        Correlation overall = correlation("all tasks (means)", points, Point::meanEntropy, Point::meanCrossEntropy);
        return new Result(List.copyOf(tasks), points, perTask, overall, s.entropyMaxLambda(), s.testImages(), s.adaSteps(),
                s.trajectoryEvery(), (System.nanoTime() - t0) / 1e9);
    }

    private static Point point(StudyContext ctx, List<String> tasks, String source, int index, Map<String, NDArray> weights) {
        int n = tasks.size();
        double[] h = new double[n];
        double[] ce = new double[n];
        double[] acc = new double[n];
        for (int k = 0; k < n; k++) {
            TaskMetrics m = ctx.evaluate(tasks.get(k), weights);
            h[k] = m.meanEntropy();
            ce[k] = m.meanCrossEntropy();
            acc[k] = m.accuracy();
        }
        return new Point(source, index, h, ce, acc, mean(h), mean(ce), mean(acc));
    }

    static Correlation correlation(String name, List<Point> points, java.util.function.ToDoubleFunction<Point> x,
                                   java.util.function.ToDoubleFunction<Point> y) {
        return new Correlation(name, rho(points, RANDOM, x, y), rho(points, TRAJECTORY, x, y), rho(points, null, x, y));
    }

    private static double rho(List<Point> points, String source, java.util.function.ToDoubleFunction<Point> x,
                              java.util.function.ToDoubleFunction<Point> y) {
        List<Point> sel = points.stream().filter(p -> source == null || p.source().equals(source)).toList();
        if (sel.size() < 2) {
            return Double.NaN;
        }
        return Spearman.rho(sel.stream().mapToDouble(x).toArray(), sel.stream().mapToDouble(y).toArray());
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }
}
