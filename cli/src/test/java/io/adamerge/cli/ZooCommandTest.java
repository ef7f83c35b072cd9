package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.FetchException;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.BenchmarkTasks;
import io.adamerge.data.task.TaskInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick zoo end to end: pretrain (twice, bit-identical), build, a cached second build, the report. */
class ZooCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The shared data directory with every source the zoo needs (fetched if missing), or the test is skipped. */
    private static String data() {
        String prop = System.getProperty("adamerge.data");
        DataDirectory dir = DataDirectory.resolve(prop == null || prop.isBlank() ? null : Path.of(prop));
        List<TaskInfo> tasks = new ArrayList<>(BenchmarkTasks.benchmark());
        tasks.add(BenchmarkTasks.info("glyphs-lowercase"));
        DataFetcher fetcher = new DataFetcher(dir, System.out::println);
        for (Source s : BenchmarkTasks.sourcesOf(tasks)) {
            try {
                fetcher.ensure(s);
            } catch (FetchException e) {
                Assumptions.abort("data source " + s.folder() + " is not available here: " + e.getMessage());
            }
        }
        return dir.root().toString();
    }

    private static Map<Path, FileTime> files(Path root) throws IOException {
        Map<Path, FileTime> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p), Files.getLastModifiedTime(p));
            }
        }
        return out;
    }

    @Test
    void quickZooEndToEnd() throws IOException {
        String data = data();
        Path backbone = tmp.resolve("backbone");
        Run pre = run("zoo", "pretrain", "--quick", "--data", data, "--out", backbone.toString());
        assertThat(pre.code()).as(pre.err()).isZero();
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json", "card.json")) {
            assertThat(backbone.resolve(f)).isRegularFile();
        }
        // deterministic: the same seed in another folder gives the same bytes
        Path again = tmp.resolve("backbone-again");
        assertThat(run("zoo", "pretrain", "--quick", "--data", data, "--out", again.toString()).code()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(backbone.resolve("model.safetensors")));
        Run cachedPre = run("zoo", "pretrain", "--quick", "--data", data, "--out", backbone.toString());
        assertThat(cachedPre.out()).contains("up to date");

        Path zoo = tmp.resolve("zoo");
        Run build = run("zoo", "build", "--quick", "--data", data, "--backbone", backbone.toString(), "--out", zoo.toString());
        assertThat(build.code()).as(build.err()).isZero();
        assertThat(build.out()).contains("18 built, 0 cached");
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(zoo.resolve("zoo.json").toFile());
        assertThat(manifest.get("tasks")).hasSize(8);
        for (JsonNode t : manifest.get("tasks")) {
            Path dir = zoo.resolve(t.get("model").asText());
            for (String f : List.of("config.json", "model.safetensors", "head.safetensors", "card.json", "head.json")) {
                assertThat(dir.resolve(f)).isRegularFile();
            }
            JsonNode card = json.readTree(dir.resolve("card.json").toFile());
            assertThat(card.get("task").asText()).isEqualTo(t.get("name").asText());
            assertThat(card.get("kind").asText()).isEqualTo("finetuned");
            assertThat(card.get("accuracy").get("test").asDouble()).isBetween(0.0, 100.0);
            assertThat(card.get("training").get("steps").asInt()).isEqualTo(3);
            assertThat(card.get("seed").asLong()).isZero();
            assertThat(card.get("created").asText()).isNotBlank();
        }
        assertThat(zoo.resolve("mtl/model.safetensors")).isRegularFile();
        assertThat(zoo.resolve("pretrained/model.safetensors")).hasSameBinaryContentAs(backbone.resolve("model.safetensors"));

        Map<Path, FileTime> before = files(zoo);
        Run second = run("zoo", "build", "--quick", "--data", data, "--backbone", backbone.toString(), "--out", zoo.toString());
        assertThat(second.code()).isZero();
        assertThat(second.out()).contains("0 built, 18 cached");
        assertThat(files(zoo)).isEqualTo(before);

        Path report = tmp.resolve("report");
        Run rep = run("zoo", "report", "--zoo", zoo.toString(), "--data", data, "--out", report.toString());
        assertThat(rep.code()).as(rep.err()).isZero();
        JsonNode r = json.readTree(report.resolve("zoo-report.json").toFile());
        assertThat(r.get("rows")).hasSize(4 + 5);
        assertThat(r.get("rows").get(0).get("perTask")).hasSize(8);
        assertThat(r.get("conditions")).hasSize(3);
        assertThat(r.get("samples")).hasSize(5);
        assertThat(Files.readString(report.resolve("zoo-report.md"))).contains("| individual |", "task arithmetic λ=0.3", "Spearman");
    }

    @Test
    void missingBackboneIsAClearError() {
        Run r = run("zoo", "build", "--quick", "--backbone", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("z").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("nowhere").contains("zoo pretrain");
    }

    @Test
    void reportWithoutAZooIsAClearError() {
        Run r = run("zoo", "report", "--zoo", tmp.resolve("empty").toString(), "--out", tmp.resolve("r").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no zoo here").contains("zoo build");
    }
}
