package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.table.TableRow;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adamerge demo --quick} end to end: zoo built on the way, the three result files, plots, the cache, λ selection. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickDemoEndToEnd() throws IOException {
        QuickZoo quick = QuickZoo.get();
        // the shared zoo is what a demo on an empty folder builds: backbone and all 18 models, then the table
        assertThat(quick.build().out()).contains("18 built, 0 cached", "| pretrained |");
        assertThat(quick.backbone().resolve("model.safetensors")).isRegularFile();
        String data = quick.data();
        Path zoo = quick.zoo();
        Path out = tmp.resolve("out");
        CliRun first = CliRun.of("demo", "--quick", "--threads", "1", "--data", data, "--zoo", zoo.toString(), "--out", out.toString());
        assertThat(first.code()).as(first.err()).isZero();
        // a built zoo given with --zoo is used as it is
        assertThat(first.out()).contains("| lw_adamerging_pp |", "Peak memory", "Time:").doesNotContain("built");
        for (String f : List.of("results.md", "results.csv", "results.json")) {
            assertThat(out.resolve(f)).isRegularFile();
        }

        ObjectMapper json = new ObjectMapper();
        JsonNode r = json.readTree(out.resolve("results.json").toFile());
        List<String> tasks = new ArrayList<>();
        r.get("tasks").forEach(t -> tasks.add(t.asText()));
        assertThat(tasks).hasSize(8).contains("mnist", "kana-10");
        List<String> methods = new ArrayList<>();
        for (JsonNode row : r.get("rows")) {
            methods.add(row.get("method").asText());
            assertThat(iterable(row.fieldNames())).containsExactly("method", "avg", "per_task");
            assertThat(iterable(row.get("per_task").fieldNames())).containsExactlyElementsOf(tasks);
            double sum = 0;
            for (String t : tasks) {
                double v = row.get("per_task").get(t).asDouble();
                assertThat(v).isBetween(0.0, 100.0);
                sum += v;
            }
            assertThat(row.get("avg").asDouble()).isCloseTo(sum / tasks.size(), within(1e-9));
        }
        assertThat(methods).containsExactlyElementsOf(TableRow.defaults());
        assertThat(methods).containsExactly("pretrained", "individual", "mtl", "weight_average", "fisher", "regmean", "task_arithmetic",
                "task_arithmetic_best", "ties", "ties_best", "tw_adamerging", "tw_adamerging_pp", "lw_adamerging", "lw_adamerging_pp");
        r.get("cached").forEach(c -> assertThat(c.asBoolean()).isFalse());
        assertThat(r.get("peak_rss_mb").asDouble()).isPositive();

        // the CSV and the Markdown table say what the JSON says (two and one decimals)
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).isEqualTo("method," + String.join(",", tasks) + ",avg");
        assertThat(csv).hasSize(1 + methods.size());
        String md = Files.readString(out.resolve("results.md"));
        for (int i = 0; i < methods.size(); i++) {
            JsonNode row = r.get("rows").get(i);
            String[] cells = csv.get(i + 1).split(",");
            assertThat(cells[0]).isEqualTo(methods.get(i));
            StringBuilder mdLine = new StringBuilder("| " + methods.get(i) + " | ");
            for (int t = 0; t < tasks.size(); t++) {
                double v = row.get("per_task").get(tasks.get(t)).asDouble();
                assertThat(Double.parseDouble(cells[t + 1])).isCloseTo(v, within(0.0051));
                mdLine.append(String.format(Locale.ROOT, "%.1f | ", v));
            }
            assertThat(Double.parseDouble(cells[tasks.size() + 1])).isCloseTo(row.get("avg").asDouble(), within(0.0051));
            mdLine.append(String.format(Locale.ROOT, "**%.1f** |", row.get("avg").asDouble()));
            assertThat(md).contains(mdLine.toString());
        }

        // plots are real images; the coefficient files are the learnt ones, in the ada_lambda_init format
        for (String png : List.of("lw_adamerging_coefficients.png", "lw_adamerging_pp_coefficients.png", "tw_adamerging_coefficients.png")) {
            BufferedImage img = ImageIO.read(out.resolve("plots").resolve(png).toFile());
            assertThat(img).as(png).isNotNull();
            assertThat(img.getWidth()).isGreaterThanOrEqualTo(600);
        }
        Coefficients lw = Coefficients.load(out.resolve("coefficients/lw_adamerging.safetensors"));
        assertThat(lw.granularity()).isEqualTo(Granularity.LAYER);
        assertThat(lw.tasks()).isEqualTo(8);
        assertThat(lw.step()).isEqualTo(DemoCommand.QUICK_STEPS);
        assertThat(lw.rows()).isEqualTo(lw.layerKeys().size()).isGreaterThan(1);
        Coefficients tw = Coefficients.load(out.resolve("coefficients/tw_adamerging_pp.safetensors"));
        assertThat(tw.granularity()).isEqualTo(Granularity.TASK);
        assertThat(tw.rows()).isEqualTo(1);

        // a second run is served from the cache, with the same numbers and nothing rebuilt
        CliRun second = CliRun.of("demo", "--quick", "--threads", "1", "--data", data, "--zoo", zoo.toString(), "--out", out.toString());
        assertThat(second.code()).as(second.err()).isZero();
        JsonNode r2 = json.readTree(out.resolve("results.json").toFile());
        r2.get("cached").forEach(c -> assertThat(c.asBoolean()).isTrue());
        assertThat(r2.get("rows")).isEqualTo(r.get("rows"));
        assertThat(r2.get("chosen_lambda")).isEqualTo(r.get("chosen_lambda"));
        assertThat(second.out()).contains("(cached)").doesNotContain("built");
        // --force recomputes (one cheap row), to the same value
        CliRun forced = CliRun.of("demo", "--quick", "--threads", "1", "--data", data, "--zoo", zoo.toString(), "--out", out.toString(), "--methods",
                "task_arithmetic", "--force");
        assertThat(forced.code()).as(forced.err()).isZero();
        JsonNode r3 = json.readTree(out.resolve("results.json").toFile());
        assertThat(r3.get("cached").get("task_arithmetic").asBoolean()).isFalse();
        assertThat(r3.get("rows")).hasSize(1);
        assertThat(r3.get("rows").get(0)).isEqualTo(r.get("rows").get(6));

        checkBestLambda(zoo, data, r);
    }

    /**
     * Search rows on the quick zoo: their evaluations, wall time and best-so-far curves in results.json and the notes, a
     * best-so-far plot per search with the *_best and AdaMerging rows as levels.
     */
    @Test
    void searchRowsReportTheirEvaluationsAndPlotTheirProgress() throws IOException {
        QuickZoo quick = QuickZoo.get();
        Path out = tmp.resolve("search");
        CliRun run = CliRun.of("demo", "--quick", "--threads", "1", "--data", quick.data(), "--zoo", quick.zoo().toString(), "--out",
                out.toString(), "--methods", "task_arithmetic_best,tw_adamerging,ta_tw_cmaes,ties_lw_random", "--search-budget", "5");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("| ta_tw_cmaes |", "| ties_lw_random |", "ta_tw_cmaes: 5 evaluations (CMA-ES, objective accuracy)",
                "ties_lw_random: 5 evaluations (random search");
        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        for (String row : List.of("ta_tw_cmaes", "ties_lw_random")) {
            JsonNode s = r.get("search").get(row);
            assertThat(s.get("evaluations").asInt()).isEqualTo(5);
            assertThat(s.get("evaluator").asText()).isEqualTo("in-process");
            assertThat(s.get("validation_accuracy")).hasSize(5);
            assertThat(s.get("best_so_far_test_accuracy")).hasSize(5);
            assertThat(s.get("evaluation_seconds").asDouble()).isPositive();
            Path png = out.resolve(r.get("plots").get(row + "_search").asText());
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(800);
            assertThat(out.resolve("coefficients").resolve(row + ".safetensors")).isRegularFile();
        }
        assertThat(Coefficients.load(out.resolve("coefficients").resolve("ties_lw_random.safetensors")).granularity())
                .isEqualTo(Granularity.LAYER);
    }

    /** task_arithmetic_best's λ is the grid's best by average validation accuracy, recomputed here directly. */
    private static void checkBestLambda(Path zooDir, String data, JsonNode r) {
        Zoo zoo = Zoo.open(zooDir);
        ZooData zooData = new ZooData(DataDirectory.resolve(Path.of(data)), zoo.recipe().dataSeed(), zoo.imageSpec());
        List<String> tasks = zoo.tasks();
        Map<Double, Double> validation = new LinkedHashMap<>();
        double chosen = r.get("chosen_lambda").get("task_arithmetic_best").asDouble();
        double testAvgAtChosen = Double.NaN;
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = zoo.pretrained(m);
            Evaluator evaluator = new Evaluator(pre.model(), zoo.pixels(), 64);
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            List<Map<String, NDArray>> finetuned = new ArrayList<>();
            for (String t : tasks) {
                heads.put(t, zoo.head(t, m));
                finetuned.add(Zoo.weights(zoo.modelDir(t), m));
            }
            for (int i = 0; i <= 10; i++) {
                double lambda = i / 10.0;
                try (NDManager s = m.newSubManager()) {
                    Map<String, NDArray> merged = IndependentMerges.taskArithmetic(pre.weights(), finetuned, lambda, s);
                    double sum = 0;
                    for (String t : tasks) {
                        sum += evaluator.evaluate(t, merged, heads.get(t), zooData.validation(t), DemoCommand.QUICK_IMAGES, s).accuracy();
                    }
                    validation.put(lambda, sum / tasks.size());
                    if (lambda == chosen) {
                        double test = 0;
                        for (String t : tasks) {
                            test += evaluator.evaluate(t, merged, heads.get(t), zooData.test(t), DemoCommand.QUICK_IMAGES, s).accuracy();
                        }
                        testAvgAtChosen = test / tasks.size();
                    }
                }
            }
        }
        double bestValidation = validation.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double firstBest = validation.entrySet().stream().filter(e -> e.getValue() == bestValidation).findFirst().orElseThrow().getKey();
        assertThat(chosen).isEqualTo(firstBest);
        JsonNode reported = r.get("validation_average").get("task_arithmetic_best");
        validation.forEach((lambda, avg) -> assertThat(reported.get(Double.toString(lambda)).asDouble()).isCloseTo(avg, within(1e-9)));
        assertThat(r.get("rows").get(7).get("method").asText()).isEqualTo("task_arithmetic_best");
        assertThat(r.get("rows").get(7).get("avg").asDouble()).isCloseTo(testAvgAtChosen, within(1e-9));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void aFolderThatIsNotAZooIsAClearError() throws IOException {
        Path notAZoo = Files.createDirectories(tmp.resolve("not-a-zoo"));
        Files.writeString(notAZoo.resolve("notes.txt"), "hello");
        CliRun r = CliRun.of("demo", "--quick", "--zoo", notAZoo.toString(), "--out", tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("not-a-zoo").contains("not a zoo").contains("zoo build");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void anUnknownMethodIsAClearError() {
        CliRun r = CliRun.of("demo", "--quick", "--methods", "weight_average,magic", "--out", tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown table row 'magic'").contains("lw_adamerging_pp", "dare_ties");
        assertThat(tmp.resolve("out")).doesNotExist();
    }
}
