package io.adamerge.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.cli.CliErrors;
import io.adamerge.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** A bad option of {@code bench merge} is refused before anything is generated, naming the option. */
class BenchMergeOptionsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--mode=tepid              | --mode: cold or warm, got 'tepid'",
        "--models=0                | --models: at least 1 fine-tuned checkpoint, got 0",
        "--threads=-3              | --threads: 0 (one per core) or more, got -3",
        "--xmx=1q                  | --xmx: a heap size like 256m or 2g, got '1q'",
        "--methods=nosuch          | --methods: unknown merge method 'nosuch'",
        "--methods=ties,fisher     | --methods: fisher runs the models on data",
        "--methods=tw_adamerging   | --methods: tw_adamerging learns its coefficients at test time",
    })
    void aBadOptionIsOneLineAndNothingIsGenerated(String option, String message, @TempDir Path dir) throws IOException {
        CliRun r = option.startsWith("--models=") ? CliRun.of("bench", "merge", "--dir", dir.toString(), "--size", "1MB", option)
                : CliRun.of("bench", "merge", "--dir", dir.toString(), "--size", "1MB", "--models", "1", option);
        assertThat(r.code()).isEqualTo(CliErrors.INPUT_ERROR);
        assertThat(r.err().strip()).startsWith("adamerge bench merge: error: " + message).doesNotContain("\n");
        assertThat(r.out()).doesNotContain("generating");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
