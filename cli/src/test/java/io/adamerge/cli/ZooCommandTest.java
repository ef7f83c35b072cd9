package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick zoo end to end: the shared zoo against a fresh pretrain (bit-identical), a cached second build, the report. */
class ZooCommandTest {
    @TempDir
    Path tmp;

    private static Map<Path, FileTime> files(Path root) throws IOException {
        Map<Path, FileTime> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p), Files.getLastModifiedTime(p));
            }
        }
        return out;
    }

    /**
     * The shared quick zoo (built by a demo on an empty folder, see {@link QuickZoo}) against the zoo commands: the same
     * recipe and seed pretrain the same bytes, and 'zoo build' finds every model of it up to date.
     */
    @Test
    void quickZooEndToEnd() throws IOException {
        QuickZoo quick = QuickZoo.get();
        String data = quick.data();
        Path backbone = quick.backbone();
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json", "card.json")) {
            assertThat(backbone.resolve(f)).isRegularFile();
        }
        // deterministic: the same seed in another folder gives the same bytes
        Path again = tmp.resolve("backbone-again");
        CliRun pre = CliRun.of("zoo", "pretrain", "--quick", "--data", data, "--out", again.toString());
        assertThat(pre.code()).as(pre.err()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(backbone.resolve("model.safetensors")));
        CliRun cachedPre = CliRun.of("zoo", "pretrain", "--quick", "--data", data, "--out", again.toString());
        assertThat(cachedPre.out()).contains("up to date");

        Path zoo = quick.zoo();
        assertThat(quick.build().out()).contains("18 built, 0 cached");
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
        CliRun second = CliRun.of("zoo", "build", "--quick", "--data", data, "--backbone", backbone.toString(), "--out", zoo.toString());
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("0 built, 18 cached");
        assertThat(files(zoo)).isEqualTo(before);

        Path report = tmp.resolve("report");
        CliRun rep = CliRun.of("zoo", "report", "--zoo", zoo.toString(), "--data", data, "--out", report.toString());
        assertThat(rep.code()).as(rep.err()).isZero();
        JsonNode r = json.readTree(report.resolve("zoo-report.json").toFile());
        assertThat(r.get("rows")).hasSize(4 + 5);
        assertThat(r.get("rows").get(0).get("perTask")).hasSize(8);
        assertThat(r.get("conditions")).hasSize(3);
        assertThat(r.get("samples")).hasSize(5);
        assertThat(Files.readString(report.resolve("zoo-report.md"))).contains("| individual |", "task arithmetic λ=0.3", "Spearman");
    }

    /**
     * The committed backbone is found through the installation's root ({@code ./adamerge} sets it), not the working
     * folder: a demo run from elsewhere pretrained a new backbone next to its zoo and so gave a different table.
     */
    @Test
    void theDefaultBackboneIsTheInstallationsWhateverTheWorkingFolder() throws IOException {
        Path committed = Path.of("").toAbsolutePath().getParent().resolve("zoo").resolve("backbone");
        Path home = tmp.resolve("home");
        Path backbone = home.resolve("zoo").resolve("backbone");
        Files.createDirectories(backbone);
        try (Stream<Path> s = Files.list(committed)) {
            for (Path f : s.toList()) {
                Files.copy(f, backbone.resolve(f.getFileName()));
            }
        }
        Map<Path, FileTime> before = files(home);
        String sha = new ObjectMapper().readTree(backbone.resolve("card.json").toFile()).get("backboneSha256").asText();
        System.setProperty(ZooCommand.HOME_PROPERTY, home.toString());
        CliRun r;
        try {
            assertThat(ZooCommand.defaultBackbone()).isEqualTo(backbone.toAbsolutePath());
            r = CliRun.of("zoo", "pretrain");
        } finally {
            System.clearProperty(ZooCommand.HOME_PROPERTY);
        }
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("backbone in " + backbone.toAbsolutePath() + " is up to date")
                .contains("backbone " + backbone.toAbsolutePath() + ": 800 steps, seed 0, sha256 " + sha);
        assertThat(files(home)).isEqualTo(before);
        // without the launcher's property: the working folder's zoo/backbone, as before
        assertThat(ZooCommand.defaultBackbone()).isEqualTo(Path.of("zoo", "backbone"));
    }

    @Test
    void missingBackboneIsAClearError() {
        CliRun r = CliRun.of("zoo", "build", "--quick", "--backbone", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("z").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("nowhere").contains("zoo pretrain");
    }

    @Test
    void reportWithoutAZooIsAClearError() {
        CliRun r = CliRun.of("zoo", "report", "--zoo", tmp.resolve("empty").toString(), "--out", tmp.resolve("r").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no zoo here").contains("zoo build");
    }
}
