package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.FetchException;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.SplitFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {
    @TempDir
    Path tmp;

    /** A private data directory holding the shared copy of sklearn-digits (fetched first if missing). */
    private Path dataWithUciDigits() throws IOException {
        String prop = System.getProperty("adamerge.data");
        DataDirectory shared = DataDirectory.resolve(prop == null || prop.isBlank() ? null : Path.of(prop));
        try {
            new DataFetcher(shared, System.out::println).ensure(Source.SKLEARN_DIGITS);
        } catch (FetchException e) {
            Assumptions.abort("sklearn-digits cannot be fetched here: " + e.getMessage());
        }
        Path dir = tmp.resolve("data");
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve(Source.SKLEARN_DIGITS.folder()), shared.locate(Source.SKLEARN_DIGITS));
        return dir;
    }

    @Test
    void fetchOfPresentSourcesIsInstantAndSaysSo() throws IOException {
        Path dir = dataWithUciDigits();
        CliRun r = CliRun.of("data", "fetch", "--data", dir.toString(), "--source", "sklearn-digits");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("sklearn-digits").contains("present").contains("1 sources ready");
    }

    @Test
    void unknownSourceOrTaskFailsWithAMessage() {
        CliRun r = CliRun.of("data", "fetch", "--data", tmp.toString(), "--source", "cifar10");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown data source 'cifar10'");
        CliRun t = CliRun.of("data", "tasks", "--data", tmp.toString(), "--task", "cifar10");
        assertThat(t.code()).isEqualTo(1);
        assertThat(t.err()).contains("unknown task 'cifar10'");
    }

    @Test
    void missingSourceNamesTheFetchCommand() {
        CliRun r = CliRun.of("data", "tasks", "--data", tmp.toString(), "--task", "uci-digits", "--load");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("sklearn-digits").contains("adamerge data fetch");
    }

    @Test
    void tasksListsTheEightAndTheHeldOut() {
        for (String kind : new String[] {"image", "text"}) {
            CliRun r = CliRun.of("data", "tasks", "--data", tmp.toString(), "--benchmark", kind);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out().lines().filter(l -> l.contains(" benchmark ")).count()).as(kind).isEqualTo(8);
            assertThat(r.out().lines().filter(l -> l.contains(" held-out ")).count()).as(kind).isEqualTo(2);
            assertThat(r.out().lines().filter(l -> l.contains("classes  text: ")).count()).as(kind).isEqualTo(kind.equals("text") ? 10 : 0);
        }
        CliRun both = CliRun.of("data", "tasks", "--data", tmp.toString());
        assertThat(both.out().lines().filter(l -> l.contains(" benchmark ")).count()).isEqualTo(16);
        CliRun named = CliRun.of("data", "tasks", "--data", tmp.toString(), "--task", "kjv", "--task", "mnist");
        assertThat(named.out().lines().filter(l -> l.startsWith("kjv ") || l.startsWith("mnist ")).count()).isEqualTo(2);
        CliRun bad = CliRun.of("data", "tasks", "--data", tmp.toString(), "--benchmark", "audio");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("unknown benchmark 'audio'");
    }

    @Test
    void exportWritesTextTasksAsJsonLines() throws IOException {
        String prop = System.getProperty("adamerge.data");
        DataDirectory shared = DataDirectory.resolve(prop == null || prop.isBlank() ? null : Path.of(prop));
        try {
            new DataFetcher(shared, System.out::println).ensure(Source.KJV);
        } catch (FetchException e) {
            Assumptions.abort("kjv cannot be fetched here: " + e.getMessage());
        }
        Path dir = Files.createDirectories(tmp.resolve("data"));
        Files.createSymbolicLink(dir.resolve(Source.KJV.folder()), shared.locate(Source.KJV));
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("data", "export", "--data", dir.toString(), "--task", "kjv", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 1 text tasks");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = Files.readAllLines(out.resolve("kjv/test.jsonl"));
        assertThat(lines).hasSize(500);
        for (String line : lines) {
            var node = json.readTree(line);
            assertThat(node.get("text").asText()).isNotBlank();
            assertThat(node.get("label").asInt()).isBetween(0, 7);
        }
        assertThat(Files.readAllLines(out.resolve("kjv/train.jsonl"))).hasSize(2000);
        assertThat(json.readTree(out.resolve("kjv/task.json").toFile()).get("classes")).hasSize(8);
        assertThat(out.resolve("uci-digits")).doesNotExist();
    }

    @Test
    void missingTextSourceNamesTheFetchCommand() {
        CliRun r = CliRun.of("data", "tasks", "--data", tmp.toString(), "--task", "fortunes", "--load");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("fortunes").contains("adamerge data fetch");
    }

    @Test
    void exportWritesSafetensorsSplitsAtTheRequestedShape() throws IOException {
        Path dir = dataWithUciDigits();
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("data", "export", "--data", dir.toString(), "--task", "uci-digits", "--size", "16", "--channels", "3",
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        ImageDataset test = SplitFiles.read(out.resolve("uci-digits/test.safetensors"));
        assertThat(test.spec().channels()).isEqualTo(3);
        assertThat(test.spec().height()).isEqualTo(16);
        assertThat(test.size()).isEqualTo(539);
        assertThat(out.resolve("uci-digits/train.safetensors")).exists();
        assertThat(out.resolve("uci-digits/validation.safetensors")).exists();
    }
}
