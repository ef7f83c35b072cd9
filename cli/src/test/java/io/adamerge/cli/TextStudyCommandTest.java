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
 * {@code study all --benchmark text --quick}: the same study driver as on images, on the quick text zoo (MiniLM
 * fine-tuned on fortunes and spam: the shared {@link TextQuickZoo}): every study writes its section and files, robustness
 * runs the seven text corruptions, and AdaMerging learns on the text encoder.
 */
class TextStudyCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyStudyRunsOnTheTextBenchmark(@TempDir Path tmp) throws IOException {
        TextQuickZoo quick = TextQuickZoo.get();
        Path zoo = quick.zoo();
        Path out = tmp.resolve("study");
        CliRun run = CliRun.of("study", "all", "--benchmark", "text", "--quick", "--zoo", zoo.toString(),
                "--out", out.toString(), "--methods", "task_arithmetic,lw_adamerging", "--steps", "2", "--test-images", "8");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Text zoo").contains("## 2. Robustness").contains("keyboard_typo").contains("word_dropout")
                .contains("test texts").doesNotContain("test images");
        for (String f : new String[] {"report.md", "generalization.json", "robustness.json", "robustness.csv", "entropy.json",
                "sensitivity.json", "distances.json", "negation.json"}) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        JsonNode robustness = JSON.readTree(out.resolve("robustness.json").toFile());
        assertThat(robustness.path("conditions")).hasSize(8); // clean and the seven text corruptions
        assertThat(robustness.path("rows")).hasSize(2);
        JsonNode generalization = JSON.readTree(out.resolve("generalization.json").toFile());
        JsonNode split = generalization.path("splits").get(0).path("split");
        assertThat(split.path("seen").get(0).asText()).isEqualTo("fortunes");
        assertThat(split.path("unseen").get(0).asText()).isEqualTo("spam");
        JsonNode entropy = JSON.readTree(out.resolve("entropy.json").toFile());
        assertThat(entropy.path("points")).hasSize(4 + 2 + 1); // the quick draws, then the trajectory's start and 2 steps
        for (JsonNode p : entropy.path("points")) {
            assertThat(p.path("meanEntropy").asDouble()).isFinite().isNotNegative();
        }
        assertThat(Files.readString(out.resolve("report.md"))).contains("The first test text of fortunes test");
        quick.assertUnchanged();
    }
}
