package io.adamerge.eval.table;

import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Granularity;
import io.adamerge.merge.data.FisherMerging;
import io.adamerge.merge.data.RegMean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of {@link MainTable#run}; {@link #defaults} are the paper's protocol.
 *
 * @param methods          the rows to compute ({@link TableRow} names), in table order
 * @param lambda           λ of {@code task_arithmetic} and {@code ties}
 * @param lambdaGrid       the λ {@code task_arithmetic_best} and {@code ties_best} choose from on the validation splits
 * @param tiesDensity      fraction of each task vector the Ties trim keeps ({@code ties}, {@code ties_best})
 * @param adaMerging       AdaMerging's optimiser settings, shared by the four variants (granularity and ++ come from the
 *                         method)
 * @param adaImages        unlabelled test images per task AdaMerging may draw its batches from (0: the whole test split)
 * @param fisher           Fisher merging's settings (its samples come from the train split, labels unused)
 * @param regmean          RegMean's settings (its samples come from the train split, labels unused)
 * @param testImages       test images per task every row is evaluated on (0: the whole test split)
 * @param validationImages validation images per task the λ grid is scored on (0: the whole validation split)
 * @param cacheDir         where each method's result is cached (null: no cache)
 * @param force            recompute even what is cached (and overwrite the cache)
 * @param searchBudget     merged-model evaluations of every supervised search row (0: the method's default)
 * @param spark            the Spark master the search rows evaluate their candidates on (null: in this process); the
 *                         results are the same either way, so it is not part of a row's settings
 */
public record MainTableConfig(List<String> methods, double lambda, List<Double> lambdaGrid, double tiesDensity,
                              AdaMergingConfig adaMerging, int adaImages, FisherMerging.Settings fisher, RegMean.Settings regmean,
                              int testImages, int validationImages, Path cacheDir, boolean force, int searchBudget, String spark) {
    /** Settings without a search budget (the methods' defaults) or a Spark master. */
    public MainTableConfig(List<String> methods, double lambda, List<Double> lambdaGrid, double tiesDensity,
                           AdaMergingConfig adaMerging, int adaImages, FisherMerging.Settings fisher, RegMean.Settings regmean,
                           int testImages, int validationImages, Path cacheDir, boolean force) {
        this(methods, lambda, lambdaGrid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages, validationImages, cacheDir, force,
                0, null);
    }

    public MainTableConfig {
        if (searchBudget < 0) {
            throw new IllegalArgumentException("search budget must be >= 0 (0: the method's default), got " + searchBudget);
        }
        methods = List.copyOf(methods);
        lambdaGrid = List.copyOf(lambdaGrid);
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("no methods to run");
        }
        if (methods.stream().distinct().count() != methods.size()) {
            throw new IllegalArgumentException("methods are listed twice: " + methods);
        }
        if (lambdaGrid.isEmpty()) {
            throw new IllegalArgumentException("the λ grid is empty");
        }
        if (!(tiesDensity > 0 && tiesDensity <= 1)) {
            throw new IllegalArgumentException("Ties density must be in (0, 1], got " + tiesDensity);
        }
        if (adaImages < 0 || testImages < 0 || validationImages < 0) {
            throw new IllegalArgumentException("image counts must be >= 0 (0: all)");
        }
    }

    /** λ ∈ {0.0, 0.1, …, 1.0}. */
    public static List<Double> defaultGrid() {
        List<Double> grid = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            grid.add(i / 10.0);
        }
        return grid;
    }

    /**
     * The paper's rows ({@link TableRow#defaults()}); λ 0.3; Ties density 0.2; AdaMerging's official settings (500 steps, Adam lr 1e-3, 16 images per
     * task and step, λ starting at 0.3, seed 0) on the whole test splits; Fisher and RegMean with their defaults (256
     * train images per task); everything evaluated on the whole test splits.
     */
    public static MainTableConfig defaults(Path cacheDir) {
        return new MainTableConfig(TableRow.defaults(), 0.3, defaultGrid(), AdaMergingConfig.DEFAULT_DENSITY,
                AdaMergingConfig.defaults(Granularity.TASK, false), 0, FisherMerging.Settings.defaults(), RegMean.Settings.defaults(),
                0, 0, cacheDir, false);
    }

    /**
     * A small version for tests and smoke runs: {@code steps} AdaMerging steps, {@code images} test / validation /
     * AdaMerging images per task, {@code samples} Fisher and RegMean images per task.
     */
    public MainTableConfig quick(int steps, int images, int samples) {
        FisherMerging.Settings f = new FisherMerging.Settings(samples, fisher.seed(), fisher.floor());
        RegMean.Settings r = new RegMean.Settings(samples, regmean.alpha(), Math.min(regmean.batchSize(), samples), regmean.seed(),
                regmean.patchEmbeddingAsLinear());
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging.withSteps(steps), images, f, r, images, images,
                cacheDir, force, searchBudget, spark);
    }

    public MainTableConfig withMethods(List<String> m) {
        return new MainTableConfig(m, lambda, lambdaGrid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages,
                validationImages, cacheDir, force, searchBudget, spark);
    }

    public MainTableConfig withAdaSteps(int steps) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging.withSteps(steps), adaImages, fisher, regmean,
                testImages, validationImages, cacheDir, force, searchBudget, spark);
    }

    public MainTableConfig withForce(boolean f) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages,
                validationImages, cacheDir, f, searchBudget, spark);
    }

    public MainTableConfig withAdaLearningRate(double lr) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging.withLearningRate(lr), adaImages, fisher, regmean,
                testImages, validationImages, cacheDir, force, searchBudget, spark);
    }

    /** Evaluates on the first {@code test} test and {@code validation} validation examples per task; AdaMerging draws from {@code ada}. */
    public MainTableConfig withExamples(int test, int validation, int ada) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging, ada, fisher, regmean, test, validation, cacheDir,
                force, searchBudget, spark);
    }

    /** Every search row's budget in merged-model evaluations (0: the method's default). */
    public MainTableConfig withSearchBudget(int budget) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages,
                validationImages, cacheDir, force, budget, spark);
    }

    /** Search rows evaluate their candidates on this Spark master (null: in this process). */
    public MainTableConfig withSpark(String master) {
        return new MainTableConfig(methods, lambda, lambdaGrid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages,
                validationImages, cacheDir, force, searchBudget, master);
    }

    /** λ grid of the *_best rows. */
    public MainTableConfig withLambdaGrid(List<Double> grid) {
        return new MainTableConfig(methods, lambda, grid, tiesDensity, adaMerging, adaImages, fisher, regmean, testImages, validationImages,
                cacheDir, force, searchBudget, spark);
    }
}
