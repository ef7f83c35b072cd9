package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliErrorsTest {
    @Test
    void aFileSystemErrorSaysWhatIsWrongWithThePathNotOnlyWhichPath() {
        assertThat(CliErrors.message(new NoSuchFileException("/a/b"))).isEqualTo("/a/b: no such file or directory");
        assertThat(CliErrors.message(new AccessDeniedException("/a/b"))).isEqualTo("/a/b: permission denied");
        assertThat(CliErrors.message(new UncheckedIOException(new NoSuchFileException("/a/b", "/c", null))))
                .isEqualTo("/a/b -> /c: no such file or directory");
        // a reason the JDK gave is kept as it is
        assertThat(CliErrors.message(new FileSystemException("/a/b", null, "Read-only file system")))
                .isEqualTo("/a/b: Read-only file system");
        assertThat(CliErrors.message(new IllegalArgumentException("--out x: already exists"))).isEqualTo("--out x: already exists");
    }

    @Test
    void aMissingDirectoryGivenToACommandIsOneLineNamingItAndWhy(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-dir");
        CliRun r = CliRun.of("bench", "merge", "--dir", missing.toString(), "--size", "1MB", "--models", "1");
        assertThat(r.code()).isEqualTo(CliErrors.INPUT_ERROR);
        assertThat(r.err().strip()).isEqualTo("adamerge bench merge: error: " + missing + ": no such file or directory");
        assertThat(missing).doesNotExist();
    }
}
