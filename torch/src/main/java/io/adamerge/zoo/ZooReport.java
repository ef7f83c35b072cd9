package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.Spearman;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import me.tongfei.progressbar.ProgressBar;

/**
 * Whether a zoo merges like a large pretrained model, on the test splits: the accuracy of the backbone with the heads,
 * the individual models, the multi-task model, weight averaging and task arithmetic at several λ; and the three
 * conditions — individual − TA(0.3) ≥ 10 points, weight averaging below TA(0.3), and Spearman's ρ ≥ 0.5 between the
 * mean prediction entropy and the mean cross-entropy of merges with random layer-wise coefficients.
 */
public final class ZooReport {
    public static final double MIN_INTERFERENCE = 10;
    public static final double MIN_SPEARMAN = 0.5;
    public static final double REFERENCE_LAMBDA = 0.3;

    private ZooReport() {
    }

    /** Accuracy (percent) of one method on each task and their mean. */
    public record Row(String method, double avg, Map<String, Double> perTask) {
    }

    /** Mean over tasks of the merged model's mean entropy, mean cross-entropy and accuracy, for one coefficient draw. */
    public record Sample(double entropy, double crossEntropy, double accuracy) {
    }

    public record Condition(String name, String statement, double value, double threshold, boolean holds) {
    }

    public record Result(List<String> tasks, List<Row> rows, List<Condition> conditions, double spearman, List<Sample> samples,
                         int testImages, int spearmanImages, String zoo, String recipeHash, long seed, String created, double seconds) {
    }

    public static Result run(Zoo zoo, ZooData data) {
        try (ModelPool models = ModelPool.of(zoo)) {
            return run(models, TaskPool.of(models, data));
        }
    }

    /** The report on a pool's models and tasks (the zoo's recipe says which λ, images and draws). */
    public static Result run(ModelPool models, TaskPool taskPool) {
        long t0 = System.nanoTime();
        Zoo zoo = models.zoo();
        ZooRecipe recipe = zoo.recipe();
        ZooRecipe.Report rep = recipe.report();
        List<String> tasks = models.tasks();
        List<Row> rows = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        int evaluations = 4 + rep.lambdas().size();
        NDManager manager = models.manager();
        try (ProgressBar bar = io.adamerge.train.Progress.bar("zoo report", (long) evaluations * tasks.size()
                     + (long) rep.spearmanSamples() * tasks.size())) {
            Map<String, NDArray> pre = models.pretrained();
            rows.add(row("backbone + heads (probe)", tasks, t -> pre, taskPool, rep.testImages(), manager, bar));
            rows.add(row("individual", tasks, models::finetuned, taskPool, rep.testImages(), manager, bar));
            try (NDManager m = manager.newSubManager()) {
                Map<String, NDArray> mtl = models.multitask(m);
                rows.add(row("multi-task (MTL)", tasks, t -> mtl, taskPool, rep.testImages(), m, bar));
            }
            try (NDManager m = manager.newSubManager()) {
                Map<String, NDArray> wa = models.merge("weight_average", Map.of(), tasks, m);
                rows.add(row("weight averaging", tasks, t -> wa, taskPool, rep.testImages(), m, bar));
            }
            for (double lambda : rep.lambdas()) {
                try (NDManager m = manager.newSubManager()) {
                    Map<String, NDArray> ta = models.merge("task_arithmetic", Map.of("lambda", lambda), tasks, m);
                    rows.add(row(taskArithmeticName(lambda), tasks, t -> ta, taskPool, rep.testImages(), m, bar));
                }
            }

            SplittableRandom rng = new SplittableRandom(rep.spearmanSeed());
            int layers = pre.size();
            for (int s = 0; s < rep.spearmanSamples(); s++) {
                double[][] lambdas = new double[tasks.size()][layers];
                for (double[] row : lambdas) {
                    for (int l = 0; l < layers; l++) {
                        row[l] = rng.nextDouble() * rep.spearmanMax();
                    }
                }
                try (NDManager m = manager.newSubManager()) {
                    Map<String, NDArray> merged = models.layerWise(tasks, lambdas, m);
                    double h = 0;
                    double ce = 0;
                    double acc = 0;
                    for (String task : tasks) {
                        TaskMetrics r = taskPool.evaluate(task, merged, taskPool.test(task), rep.spearmanImages(), m);
                        h += r.meanEntropy();
                        ce += r.meanCrossEntropy();
                        acc += r.accuracy();
                        bar.step();
                    }
                    samples.add(new Sample(h / tasks.size(), ce / tasks.size(), acc / tasks.size()));
                }
            }
        }
        double rho = samples.size() >= 2
                ? Spearman.rho(samples.stream().mapToDouble(Sample::entropy).toArray(), samples.stream().mapToDouble(Sample::crossEntropy).toArray())
                : Double.NaN;
        double individual = find(rows, "individual").avg();
        double ta = find(rows, taskArithmeticName(REFERENCE_LAMBDA)).avg();
        double wa = find(rows, "weight averaging").avg();
        List<Condition> conditions = List.of(
                new Condition("interference", "individual − task arithmetic (λ 0.3) ≥ 10 points", individual - ta, MIN_INTERFERENCE,
                        individual - ta >= MIN_INTERFERENCE),
                new Condition("large-model regime", "weight averaging < task arithmetic (λ 0.3)", wa - ta, 0, wa < ta),
                new Condition("entropy tracks loss", "Spearman ρ(mean entropy, mean cross-entropy) ≥ 0.5 over random layer-wise λ",
                        rho, MIN_SPEARMAN, rho >= MIN_SPEARMAN));
        return new Result(tasks, rows, conditions, rho, samples, rep.testImages(), rep.spearmanImages(), zoo.root().toString(),
                zoo.manifest().recipeHash(), zoo.manifest().seed(), Instant.now().toString(), (System.nanoTime() - t0) / 1e9);
    }

    static String taskArithmeticName(double lambda) {
        return String.format(Locale.ROOT, "task arithmetic λ=%.1f", lambda);
    }

    private static Row find(List<Row> rows, String method) {
        return rows.stream().filter(r -> r.method().equals(method)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the report has no row '" + method + "' (recipe.report.lambdas must include 0.3)"));
    }

    private static Row row(String method, List<String> tasks, Evaluator.WeightsFor weights, TaskPool taskPool, int limit,
                           NDManager manager, ProgressBar bar) {
        Map<String, Double> perTask = taskPool.accuracies(tasks, weights, taskPool::test, limit, manager, t -> bar.step());
        return new Row(method, Evaluator.mean(perTask), perTask);
    }

    /** Writes {@code zoo-report.md} and {@code zoo-report.json} into {@code dir}. */
    public static void write(Result r, Path dir) {
        ZooFiles.writeJson(dir.resolve("zoo-report.json"), r);
        ZooFiles.writeString(dir.resolve("zoo-report.md"), markdown(r));
    }

    public static String markdown(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Zoo report\n\n");
        sb.append(String.format(Locale.ROOT, "Zoo `%s` (recipe %s, seed %d); top-1 accuracy (%%) on the test splits (%s images per task).%n%n",
                r.zoo(), r.recipeHash(), r.seed(), r.testImages() == 0 ? "all" : "the first " + r.testImages()));
        sb.append("| method | ").append(String.join(" | ", r.tasks())).append(" | avg |\n");
        sb.append("|---|").append("---:|".repeat(r.tasks().size() + 1)).append('\n');
        for (Row row : r.rows()) {
            sb.append("| ").append(row.method()).append(" | ");
            for (String t : r.tasks()) {
                sb.append(String.format(Locale.ROOT, "%.1f | ", row.perTask().get(t)));
            }
            sb.append(String.format(Locale.ROOT, "**%.1f** |%n", row.avg()));
        }
        sb.append("\n## Conditions\n\n| condition | value | needed | holds |\n|---|---:|---:|:---:|\n");
        for (Condition c : r.conditions()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %s | %s |%n", c.statement(), c.value(),
                    c.name().equals("large-model regime") ? "< 0" : "≥ " + c.threshold(), c.holds() ? "yes" : "**no**"));
        }
        sb.append(String.format(Locale.ROOT, "%nSpearman over %d coefficient vectors (one λ per task and parameter tensor, uniform in "
                        + "[0, 0.6]), %s test images per task: ρ = %.3f.%n%n",
                r.samples().size(), r.spearmanImages() == 0 ? "all" : "the first " + r.spearmanImages(), r.spearman()));
        sb.append("| draw | mean entropy | mean cross-entropy | mean accuracy |\n|---:|---:|---:|---:|\n");
        for (int i = 0; i < r.samples().size(); i++) {
            Sample s = r.samples().get(i);
            sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.1f |%n", i, s.entropy(), s.crossEntropy(), s.accuracy()));
        }
        sb.append(String.format(Locale.ROOT, "%nComputed in %.0f s.%n", r.seconds()));
        return sb.toString();
    }
}
