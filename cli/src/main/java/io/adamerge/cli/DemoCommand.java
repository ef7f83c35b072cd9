package io.adamerge.cli;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.RankMaskMerge;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.cli.merge.PeakMemory;
import io.adamerge.cli.report.Plots;
import io.adamerge.cli.report.ResultTable;
import io.adamerge.data.DataException;
import io.adamerge.eval.table.MainTable;
import io.adamerge.model.TorchRuntime;
import io.adamerge.eval.table.MainTableConfig;
import io.adamerge.eval.table.TableRow;
import io.adamerge.eval.table.TextMainTable;
import io.adamerge.zoo.TextZoo;
import java.nio.file.Files;
import io.adamerge.merge.MergeMethods;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge demo}: the paper's main table on the benchmark zoo, from a fresh machine to results/demo/. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The paper's main table: fetches the data, builds the zoo (both cached), then evaluates the pretrained, "
                + "individual and multi-task models and every merge (weight averaging, Fisher, RegMean, task arithmetic, Ties, "
                + "with fixed λ and λ chosen on validation, task-wise and layer-wise AdaMerging and AdaMerging++) on the test "
                + "splits. Prints the table and writes results.md, results.csv, results.json, the learnt coefficients and their "
                + "plots. Each method's result is cached in OUT/cache, so a second run only reads files."})
public final class DemoCommand implements Callable<Integer> {
    /** Test / validation / AdaMerging images per task and AdaMerging steps of --quick. */
    static final int QUICK_IMAGES = 64;
    static final int QUICK_STEPS = 3;
    static final int QUICK_SAMPLES = 16;
    /** Test / validation / AdaMerging texts per task of --quick --benchmark text. */
    static final int QUICK_TEXTS = 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "The quick zoo, " + QUICK_IMAGES + " images per task, " + QUICK_STEPS
            + " AdaMerging steps: a smoke test in well under a minute.")
    boolean quick;

    @Option(names = "--zoo", paramLabel = "DIR",
            description = "A built zoo to use as it is; a new or empty folder gets one built (default: $ADAMERGE_ZOO, else "
                    + "~/.cache/adamerge/zoo, zoo-quick with --quick, built or refreshed as needed).")
    Path zoo;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--out", paramLabel = "DIR", description = "Results folder (default: results/demo, results/demo-text for text).")
    Path out;

    @Option(names = "--benchmark", paramLabel = "NAME", defaultValue = "image",
            description = "image (the ViT zoo) or text (all-MiniLM-L6-v2 fine-tuned on the eight text tasks; its zoo in "
                    + "~/.cache/adamerge/zoo-text, built with the default text recipe when missing; the same rows). "
                    + "Default: ${DEFAULT-VALUE}.")
    String benchmark;

    @Option(names = "--methods", paramLabel = "a,b,...", split = ",",
            description = "Only these rows (default: the paper's table: pretrained, individual, mtl, weight_average, fisher, "
                    + "regmean, task_arithmetic, task_arithmetic_best, ties, ties_best, tw_adamerging, tw_adamerging_pp, "
                    + "lw_adamerging, lw_adamerging_pp). Any method of 'adamerge merge --list-methods' is a row by its name "
                    + "(e.g. dare, dare_ties), and a data-free method with a lambda also as NAME_best (λ chosen on validation).")
    List<String> methods = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", description = "AdaMerging steps (default: 500; " + QUICK_STEPS + " with --quick).")
    Integer steps;

    @Option(names = "--examples", paramLabel = "TEST,VALIDATION", split = ",",
            description = "Evaluate on the first TEST test examples per task (AdaMerging draws from them too) and choose λ on the "
                    + "first VALIDATION validation examples (default and 0: the whole split; a budget for slow machines).")
    List<Integer> examples = new ArrayList<>();

    @Option(names = "--ada-lr", paramLabel = "LR", description = "AdaMerging's Adam learning rate (default: the paper's 1e-3).")
    Double adaLearningRate;

    @Option(names = "--lambda-grid", paramLabel = "a,b,...", split = ",",
            description = "The λ the *_best rows choose from on validation (default: 0.0, 0.1, ..., 1.0).")
    List<Double> lambdaGrid = new ArrayList<>();

    @Option(names = "--search-budget", paramLabel = "N",
            description = "Merged-model evaluations of every supervised search row (ta_tw_random, ta_lw_cmaes, ties_tw_cmaes, ...; "
                    + "default: the method's, 100). A rerun with a larger budget continues the search from its state in OUT/cache/search.")
    Integer searchBudget;

    @Option(names = "--spark", paramLabel = "MASTER", arity = "0..1", fallbackValue = "local[*]",
            description = "Evaluate the search rows' candidates on Apache Spark: local[*] when no master is given, or a cluster "
                    + "(spark://host:7077). Needs the spark module (./adamerge adds it when --spark is given). Same results as without.")
    String spark;

    @Option(names = "--force", description = "Recompute every row even when it is cached.")
    boolean force;

    @Option(names = "--pool", paramLabel = "full|lora", defaultValue = "full",
            description = "Text benchmark: the fine-tuned models: full (the full fine-tunes) or lora (the zoo's LoRA adapters, "
                    + "<zoo>/lora/<task>, built by a recipe with a 'lora:' section; their task vectors are (alpha/r)·B·A). "
                    + "Default: ${DEFAULT-VALUE}.")
    String pool;

    @Mixin
    ThreadsOptions threads = new ThreadsOptions();

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        PrintWriter w = spec.commandLine().getOut();
        threads.apply();
        if (steps != null && steps < 0) {
            throw new IllegalArgumentException("--steps must be >= 0");
        }
        boolean text = Benchmark.parse(benchmark) == Benchmark.TEXT;
        TextZooPreparation.checkPool(pool, text);
        if (out == null) {
            out = Path.of(text ? "results/demo-text" : "results/demo");
        }
        OutputTarget.check("--out", out, OutputTarget.Kind.RESULTS_DIRECTORY, false,
                Inputs.of().add("--zoo", zoo != null ? zoo : ZooOptions.defaultFolder(quick)).add("--data", data.directory().root()));
        List<String> selected = methods.isEmpty() ? (text ? TextMainTable.defaultRows() : TableRow.defaults())
                : methods.stream().map(String::trim).filter(s -> !s.isBlank()).distinct().toList();
        MergeMethods registry = MergeMethods.discover();
        if (text) {
            return runText(selected, registry, w, t0);
        }
        // unknown rows are reported before the data and the zoo are prepared
        MainTable.rows(MainTableConfig.defaults(null).withMethods(selected), registry);
        Zoo z = ZooPreparation.prepare(zoo, quick, data, w);
        ZooData zooData = data.forZoo(z);

        MainTableConfig cfg = MainTableConfig.defaults(out.resolve("cache")).withMethods(selected).withForce(force);
        if (quick) {
            cfg = cfg.quick(QUICK_STEPS, QUICK_IMAGES, QUICK_SAMPLES);
        }
        if (steps != null) {
            cfg = cfg.withAdaSteps(steps);
        }
        cfg = budget(cfg);
        w.printf(Locale.ROOT, "main table on zoo %s (recipe %s, seed %d): %d methods, %d tasks%n", z.root().toAbsolutePath(),
                z.manifest().recipeHash(), z.manifest().seed(), selected.size(), z.tasks().size());
        w.flush();
        MainTable.Result result = MainTable.run(z, zooData, cfg, registry, new Bars(w));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peakKiB = PeakMemory.peakResidentKiB();
        ResultTable table = write(result, seconds, peakKiB);
        w.println();
        w.print(table.markdown());
        w.println("wrote " + out.resolve("results.md").toAbsolutePath() + ", results.csv, results.json");
        w.flush();
        return 0;
    }

    /** The table's settings with --examples, --ada-lr and --lambda-grid applied. */
    private MainTableConfig budget(MainTableConfig cfg) {
        if (!examples.isEmpty()) {
            if (examples.size() != 2 || examples.get(0) < 0 || examples.get(1) < 0) {
                throw new IllegalArgumentException("--examples takes TEST,VALIDATION (two counts >= 0), got " + examples);
            }
            cfg = cfg.withExamples(examples.get(0), examples.get(1), examples.get(0));
        }
        if (adaLearningRate != null) {
            if (!(adaLearningRate > 0)) {
                throw new IllegalArgumentException("--ada-lr must be > 0, got " + adaLearningRate);
            }
            cfg = cfg.withAdaLearningRate(adaLearningRate);
        }
        if (!lambdaGrid.isEmpty()) {
            cfg = cfg.withLambdaGrid(lambdaGrid);
        }
        if (searchBudget != null) {
            if (searchBudget < 1) {
                throw new IllegalArgumentException("--search-budget must be >= 1, got " + searchBudget);
            }
            cfg = cfg.withSearchBudget(searchBudget);
        }
        if (spark != null) {
            if (spark.isBlank()) {
                throw new IllegalArgumentException("--spark needs a master URL (local[*], local[2], spark://host:7077) or nothing");
            }
            cfg = cfg.withSpark(spark.trim());
        }
        return cfg;
    }

    /** The table on the text zoo: the same rows, protocol, cache and output files as on images. */
    private int runText(List<String> selected, MergeMethods registry, PrintWriter w, long t0) {
        MainTable.rows(MainTableConfig.defaults(null).withMethods(selected), registry);
        TextZoo z = TextZooPreparation.pool(zoo != null && Files.isRegularFile(zoo.resolve(TextZoo.MANIFEST)) ? TextZoo.open(zoo)
                : TextZooPreparation.build(zoo, null, 0, quick, data, w), pool);
        if (z.isLoraPool()) {
            // the search rows' executors reopen the zoo from its folder (the full pool): not on the adapters
            List<String> searches = MainTable.rows(MainTableConfig.defaults(null).withMethods(selected), registry).stream()
                    .filter(r -> r.method() instanceof io.adamerge.merge.search.CoefficientSearchMethod).map(r -> r.id()).toList();
            if (!searches.isEmpty()) {
                throw new IllegalArgumentException("--pool lora: the search rows " + searches + " are not available on the LoRA adapters");
            }
        }
        MainTableConfig cfg = MainTableConfig.defaults(out.resolve("cache")).withMethods(selected).withForce(force);
        if (quick) {
            cfg = cfg.quick(QUICK_STEPS, QUICK_TEXTS, QUICK_SAMPLES);
        }
        if (steps != null) {
            cfg = cfg.withAdaSteps(steps);
        }
        cfg = budget(cfg);
        w.printf(Locale.ROOT, "main table on text zoo %s%s (recipe %s, seed %d): %d methods, %d tasks%n", z.root().toAbsolutePath(),
                z.isLoraPool() ? ", LoRA adapters" : "", z.manifest().recipeHash(), z.manifest().seed(), selected.size(), z.tasks().size());
        w.flush();
        MainTable.Result result = TextMainTable.run(z, data.directory(), cfg, registry, new Bars(w));
        double seconds = (System.nanoTime() - t0) / 1e9;
        ResultTable table = write(result, seconds, PeakMemory.peakResidentKiB());
        w.println();
        w.print(table.markdown());
        w.println("wrote " + out.resolve("results.md").toAbsolutePath() + ", results.csv, results.json");
        w.flush();
        return 0;
    }

    /** Writes results.{md,csv,json}, the coefficient files and the plots; returns the table. */
    private ResultTable write(MainTable.Result r, double seconds, long peakKiB) {
        Map<String, Object> chosen = new LinkedHashMap<>();
        Map<String, Object> validation = new LinkedHashMap<>();
        Map<String, Object> methodSeconds = new LinkedHashMap<>();
        Map<String, Object> cached = new LinkedHashMap<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        Map<String, Object> coefficientFiles = new LinkedHashMap<>();
        Map<String, Object> searches = new LinkedHashMap<>();
        List<String> searchNotes = new ArrayList<>();
        List<ResultTable.Row> rows = new ArrayList<>();
        for (MainTable.Row row : r.rows()) {
            rows.add(new ResultTable.Row(row.method(), row.avg(), row.perTask()));
            if (row.chosenLambda() != null) {
                chosen.put(row.method(), row.chosenLambda());
                validation.put(row.method(), row.validationAverage());
            }
            methodSeconds.put(row.method(), round(row.seconds()));
            cached.put(row.method(), row.cached());
            settings.put(row.method(), MainTable.settings(row.method(), r.config()));
            if (row.search() != null) {
                MainTable.SearchTrace t = row.search();
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("algorithm", t.algorithm());
                j.put("objective", t.objective());
                j.put("evaluations", t.evaluations());
                j.put("evaluation_seconds", round(t.seconds()));
                j.put("seconds_per_evaluation", round(t.seconds() / t.evaluations()));
                j.put("resumed", t.resumed());
                j.put("evaluator", t.evaluator());
                j.put("best_index", t.bestIndex());
                j.put("best_validation_accuracy", t.bestValidationAccuracy().get(t.bestValidationAccuracy().size() - 1));
                j.put("validation_accuracy", t.validationAccuracy());
                j.put("best_so_far_validation_accuracy", t.bestValidationAccuracy());
                j.put("best_so_far_test_accuracy", t.bestTestAccuracy());
                searches.put(row.method(), j);
                searchNotes.add(String.format(Locale.ROOT, "%s: %d evaluations (%s, objective %s), %.1f s of evaluation (%.2f s each, %s%s), "
                                + "best validation %.2f at evaluation %d; row time %.1f s.", row.method(), t.evaluations(),
                        t.algorithm().equals("cmaes") ? "CMA-ES" : "random search", t.objective(), t.seconds(), t.seconds() / t.evaluations(),
                        t.evaluator(), t.resumed() > 0 ? ", " + t.resumed() + " read from the search state" : "",
                        t.bestValidationAccuracy().get(t.bestValidationAccuracy().size() - 1), t.bestIndex() + 1, row.seconds()));
            }
            if (row.coefficients() != null) {
                Path file = out.resolve("coefficients").resolve(row.method() + ".safetensors");
                row.coefficients().save(file);
                coefficientFiles.put(row.method(), out.relativize(file).toString());
            }
        }
        Map<String, String> plots = plots(r);
        long computed = r.rows().stream().filter(x -> !x.cached()).count();
        double rowSeconds = r.rows().stream().mapToDouble(MainTable.Row::seconds).sum();
        List<String> notes = new ArrayList<>(r.notes());
        notes.addAll(searchNotes);
        notes.add(String.format(Locale.ROOT, "Zoo `%s` (recipe %s, seed %d).", r.zoo(), r.recipeHash(), r.seed()));
        notes.add(String.format(Locale.ROOT, "Time: %.1f s wall for this run (%d of %d rows computed, the rest read from the cache); "
                + "the rows took %.1f s when they were computed.", seconds, computed, r.rows().size(), rowSeconds));
        notes.add(peakKiB > 0 ? String.format(Locale.ROOT, "Peak memory: %.0f MB resident (VmHWM of the JVM process).", peakKiB / 1024.0)
                : "Peak memory: not available on this system.");
        TorchRuntime.GemmPath gemm = TorchRuntime.gemmPath();
        notes.add("GEMM path: " + gemm.name() + " (" + gemm.description() + ").");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("gemm_path", gemm.name());
        extra.put("zoo", r.zoo());
        extra.put("recipe_hash", r.recipeHash());
        extra.put("zoo_seed", r.seed());
        extra.put("seconds", round(seconds));
        extra.put("peak_rss_mb", peakKiB > 0 ? round(peakKiB / 1024.0) : null);
        extra.put("method_seconds", methodSeconds);
        extra.put("cached", cached);
        extra.put("chosen_lambda", chosen);
        extra.put("validation_average", validation);
        extra.put("coefficients", coefficientFiles);
        extra.put("search", searches);
        extra.put("plots", plots);
        extra.put("settings", settings);
        extra.put("notes", r.notes());
        ResultTable table = new ResultTable("Main table", r.tasks(), rows, notes, extra);
        table.write(out, "results");
        return table;
    }

    /** Layer-wise coefficients as heat maps (tensors × tasks), task-wise ones as grouped bars; clamp(λ, 0, 1), what the merge uses. */
    private Map<String, String> plots(MainTable.Result r) {
        Map<String, String> files = new LinkedHashMap<>();
        Map<String, double[]> taskWise = new LinkedHashMap<>();
        for (MainTable.Row row : r.rows()) {
            Coefficients c = row.coefficients();
            if (c == null) {
                continue;
            }
            if (c.layerKeys().stream().anyMatch(k -> k.contains(RankMaskMerge.RANK))) {
                // AdaRank: its λ rows (unclamped, as its merge uses them); the thousands of mask rows are not a picture
                List<Integer> lambdaRows = IntStream.range(0, c.rows()).filter(i -> !c.layerKeys().get(i).contains(RankMaskMerge.RANK))
                        .boxed().toList();
                double[][] values = lambdaRows.stream().map(i -> IntStream.range(0, c.tasks()).mapToDouble(k -> c.raw(i, k)).toArray())
                        .toArray(double[][]::new);
                double hi = Math.max(1.0, Arrays.stream(values).flatMapToDouble(Arrays::stream).max().orElse(1.0));
                List<String> labels = lambdaRows.stream().map(i -> shortKey(c.layerKeys().get(i))).toList();
                Path png = Plots.heatmap(out.resolve("plots").resolve(row.method() + "_coefficients.png"),
                        row.method() + ": λ per parameter tensor and task (rank masks not shown)", "task", "parameter tensor", r.tasks(),
                        labels, values, 0, hi);
                files.put(row.method(), out.relativize(png).toString());
                continue;
            }
            float[][] m = c.clampedMatrix();
            if (c.rows() == 1) {
                taskWise.put(row.method(), toDouble(m[0]));
            } else {
                double[][] values = Arrays.stream(m).map(DemoCommand::toDouble).toArray(double[][]::new);
                List<String> labels = c.layerKeys().stream().map(DemoCommand::shortKey).toList();
                Path png = Plots.heatmap(out.resolve("plots").resolve(row.method() + "_coefficients.png"),
                        row.method() + ": clamp(λ) per parameter tensor and task", "task", "parameter tensor", r.tasks(), labels, values, 0, 1);
                files.put(row.method(), out.relativize(png).toString());
            }
        }
        Map<String, Double> levels = new LinkedHashMap<>();
        for (MainTable.Row row : r.rows()) {
            if (row.method().endsWith("_best") || row.method().contains("adamerging")) {
                levels.put(row.method() + " (test)", row.avg());
            }
        }
        for (MainTable.Row row : r.rows()) {
            MainTable.SearchTrace t = row.search();
            if (t == null) {
                continue;
            }
            List<Double> x = IntStream.rangeClosed(1, t.evaluations()).mapToDouble(i -> i).boxed().toList();
            Path png = Plots.lines(out.resolve("plots").resolve(row.method() + "_search.png"), row.method()
                            + ": best so far by validation " + t.objective(), "merged-model evaluations", "mean accuracy (%)",
                    List.of(new Plots.Series("best so far: validation", x, t.bestValidationAccuracy()),
                            new Plots.Series("best so far: test", x, t.bestTestAccuracy())), levels);
            files.put(row.method() + "_search", out.relativize(png).toString());
        }
        if (!taskWise.isEmpty()) {
            Path png = Plots.bars(out.resolve("plots").resolve("tw_adamerging_coefficients.png"), "task-wise AdaMerging: clamp(λ) per task",
                    "task", "λ", r.tasks(), taskWise);
            taskWise.keySet().forEach(m -> files.put(m, out.relativize(png).toString()));
        }
        return files;
    }

    private static String shortKey(String key) {
        return key.startsWith("vision_model.") ? key.substring("vision_model.".length()) : key;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** One progress bar per computed method on stderr; one line per finished row on stdout. */
    private static final class Bars implements MainTable.Listener {
        private final PrintWriter out;
        private ProgressBar bar;

        Bars(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void started(String method, long work) {
            if (work > 0) {
                bar = new ProgressBarBuilder().setTaskName(method).setInitialMax(work).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            }
        }

        @Override
        public void advanced(String method, String message) {
            if (bar != null) {
                bar.step();
                bar.setExtraMessage(" " + message);
            }
        }

        @Override
        public void advanced(String method, long units, String message) {
            if (bar != null) {
                bar.stepBy(units);
                bar.setExtraMessage(" " + message);
            }
        }

        @Override
        public void finished(String method, MainTable.Row row) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            out.printf(Locale.ROOT, "  %-22s avg %5.1f  %s%n", row.method(), row.avg(),
                    row.cached() ? "(cached)" : String.format(Locale.ROOT, "(%.1f s)", row.seconds()));
            out.flush();
        }
    }
}
