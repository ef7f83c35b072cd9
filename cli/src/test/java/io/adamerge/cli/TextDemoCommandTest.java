package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text benchmark end to end, the way a fresh machine runs it: {@code demo --benchmark text --quick} on an empty
 * folder imports MiniLM from its jar and builds the quick text zoo (zero-shot heads, fine-tunes, MTL) — the shared
 * {@link TextQuickZoo}, built so once per test JVM — and the demo on it computes the table, with the data-driven rows
 * (Fisher, RegMean on the BERT encoder with the train texts) and the test-time rows
 * (AdaMerging, AdaRank on the unlabelled test texts); a second run reads every
 * row from the cache.
 */
class TextDemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void quickTextDemoEndToEnd(@TempDir Path tmp) throws IOException {
        TextQuickZoo quick = TextQuickZoo.get();
        assertThat(quick.build().out()).contains("text zoo");
        Path zoo = quick.zoo();
        Path out = tmp.resolve("demo");
        String[] args = {"demo", "--benchmark", "text", "--quick", "--threads", "1", "--zoo", zoo.toString(), "--out", out.toString(),
                "--methods", "pretrained,individual,weight_average,fisher,regmean,task_arithmetic,lw_adamerging,adarank_ta,ta_tw_cmaes,iso_c_lowrank",
                "--steps", "1",
                "--search-budget", "4"};
        CliRun first = CliRun.of(args);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("| individual |");

        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertThat(results.path("tasks")).hasSize(2);
        for (String task : new String[] {"fortunes", "spam"}) {
            // the table scores the first 16 test texts, as the zoo's cards did: the reference rows must agree with them
            JsonNode head = JSON.readTree(zoo.resolve(task).resolve("head.json").toFile());
            JsonNode card = JSON.readTree(zoo.resolve(task).resolve("card.json").toFile());
            assertThat(perTask(results, "pretrained", task)).isCloseTo(head.path("accuracy").path("test").asDouble(),
                    org.assertj.core.data.Offset.offset(0.01));
            assertThat(perTask(results, "individual", task)).isCloseTo(card.path("accuracy").path("test").asDouble(),
                    org.assertj.core.data.Offset.offset(0.01));
            assertThat(Files.isRegularFile(zoo.resolve(task).resolve("model.safetensors"))).isTrue();
            assertThat(Files.isRegularFile(zoo.resolve(task).resolve("tokenizer.json"))).isTrue();
        }
        assertThat(Files.isRegularFile(zoo.resolve("mtl").resolve("card.json"))).isTrue();
        for (String row : new String[] {"fisher", "regmean"}) {
            for (String task : new String[] {"fortunes", "spam"}) {
                assertThat(perTask(results, row, task)).as(row + " " + task).isBetween(0.0, 100.0);
            }
        }
        // a method variant (Iso-C at rank_tolerance 1e-4) is a row like any method
        for (String task : new String[] {"fortunes", "spam"}) {
            assertThat(perTask(results, "iso_c_lowrank", task)).as("iso_c_lowrank " + task).isBetween(0.0, 100.0);
        }
        // a test-time method other than AdaMerging: AdaRank on Task Arithmetic, learnt on the unlabelled test texts
        for (String task : new String[] {"fortunes", "spam"}) {
            assertThat(perTask(results, "adarank_ta", task)).as("adarank_ta " + task).isBetween(0.0, 100.0);
        }
        assertThat(Files.list(out.resolve("coefficients")).map(p -> p.getFileName().toString()))
                .contains("lw_adamerging.safetensors", "adarank_ta.safetensors");
        // a search row on text: its evaluations and plot
        assertThat(results.path("search").path("ta_tw_cmaes").path("evaluations").asInt()).isEqualTo(4);
        assertThat(out.resolve("plots").resolve("ta_tw_cmaes_search.png")).isRegularFile();

        CliRun second = CliRun.of(args);
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("(cached)").doesNotContain(" s)\n");
        JsonNode again = JSON.readTree(out.resolve("results.json").toFile());
        for (String row : new String[] {"pretrained", "individual", "weight_average", "fisher", "regmean", "task_arithmetic", "lw_adamerging",
                "adarank_ta", "ta_tw_cmaes", "iso_c_lowrank"}) {
            assertThat(perTask(again, row, "spam")).isEqualTo(perTask(results, row, "spam"));
        }
        quick.assertUnchanged();
    }

    @Test
    void anUnknownBenchmarkIsAClearError(@TempDir Path tmp) {
        CliRun run = CliRun.of("demo", "--benchmark", "audio", "--out", tmp.resolve("o").toString());
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("--benchmark must be image or text");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    private static double perTask(JsonNode results, String row, String task) {
        for (JsonNode r : results.path("rows")) {
            if (r.path("method").asText().equals(row)) {
                return r.path("per_task").path(task).asDouble(Double.NaN);
            }
        }
        throw new AssertionError("no row " + row + " in " + results);
    }
}
