package io.adamerge.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.io.OutputTarget.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output policy (issue 13, defects 1, 2 and 9): what may be written where, checked before any work. */
class OutputTargetTest {
    @TempDir
    Path dir;

    @Test
    void aNewPathIsAcceptedAndReplacesNothing() {
        OutputTarget t = OutputTarget.model("--out", dir.resolve("merged.safetensors"), false, Inputs.of());
        assertThat(t.kind()).isEqualTo(Kind.FILE);
        assertThat(t.replaces()).isFalse();
        assertThat(OutputTarget.model("--out", dir.resolve("merged"), false, Inputs.of()).kind()).isEqualTo(Kind.DIRECTORY);
    }

    @Test
    void aFolderWithOtherFilesIsNeverReplacedWithoutForce() throws IOException {
        Path out = Files.createDirectory(dir.resolve("results"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> OutputTarget.model("--out", out, false, Inputs.of()))
                .isInstanceOf(OutputException.class)
                .hasMessageContaining("--out").hasMessageContaining("already exists (a folder with 1 entries)")
                .hasMessageContaining("--force");
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");
        OutputTarget forced = OutputTarget.model("--out", out, true, Inputs.of());
        assertThat(forced.replacementNote()).contains("replacing a folder with 1 entries");
    }

    @Test
    void aFolderThatTakesNoNewFileIsRefusedBeforeAnyWorkAndKeepsNothing() throws IOException {
        // /proc takes no new file even for root, whose permission bits say yes: the file system is asked
        Path proc = Path.of("/proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux's /proc");
        assertThatThrownBy(() -> OutputTarget.model("--out", proc.resolve("merged.safetensors"), false, Inputs.of()))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("--out /proc/merged.safetensors: cannot write in /proc (");
        // a missing folder below it: the nearest existing one is probed, nothing is created
        assertThatThrownBy(() -> OutputTarget.model("--out", proc.resolve("new/deeper/m.safetensors"), false, Inputs.of()))
                .hasMessageContaining("cannot write in /proc (");
        // where a file can be made, the probe leaves nothing behind
        OutputTarget.model("--out", dir.resolve("sub/m.safetensors"), false, Inputs.of());
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void anEmptyFolderMayBecomeTheModelFolder() throws IOException {
        Path out = Files.createDirectory(dir.resolve("empty"));
        assertThat(OutputTarget.model("--out", out, false, Inputs.of()).replaces()).isFalse();
    }

    @Test
    void anExistingFileNeedsForce() throws IOException {
        Path out = Files.writeString(dir.resolve("m.safetensors"), "old");
        assertThatThrownBy(() -> OutputTarget.model("--out", out, false, Inputs.of()))
                .hasMessageContaining("a file of 3 bytes");
        assertThat(OutputTarget.model("--out", out, true, Inputs.of()).replaces()).isTrue();
    }

    @Test
    void aFileOutputOntoAFolderIsRefusedEvenWithForce() throws IOException {
        Path out = Files.createDirectory(dir.resolve("x.safetensors"));
        assertThatThrownBy(() -> OutputTarget.check("--out", out, Kind.FILE, true, Inputs.of()))
                .hasMessageContaining("is a folder");
    }

    @Test
    void theWorkingDirectoryAndDevicesAreNeverReplaced() {
        assertThatThrownBy(() -> OutputTarget.model("--out", Path.of("."), true, Inputs.of()))
                .hasMessageContaining("working directory");
        assertThatThrownBy(() -> OutputTarget.model("--out", Path.of("/dev/null"), true, Inputs.of()))
                .hasMessageContaining("not a regular file or folder");
        assertThatThrownBy(() -> OutputTarget.model("--out", Path.of("/"), true, Inputs.of()))
                .hasMessageContaining("root");
    }

    @Test
    void anOutputIsNeverAnInputByPathLinkOrInode() throws IOException {
        Path base = Files.writeString(dir.resolve("base.safetensors"), "base");
        Inputs inputs = Inputs.of().add("--base", base);
        assertThatThrownBy(() -> OutputTarget.model("--out", dir.resolve("sub/../base.safetensors"), true, inputs))
                .hasMessageContaining("is the input --base");
        Path link = Files.createSymbolicLink(dir.resolve("link.safetensors"), base);
        assertThatThrownBy(() -> OutputTarget.model("--save-lambda", link, true, inputs))
                .hasMessageContaining("--save-lambda").hasMessageContaining("is the input --base");
        Path hard = Files.createLink(dir.resolve("hard.safetensors"), base);
        assertThatThrownBy(() -> OutputTarget.model("--out", hard, true, inputs))
                .hasMessageContaining("is the input --base");
        assertThat(Files.readString(base)).isEqualTo("base");
    }

    @Test
    void anOutputNeitherHoldsNorLiesInsideAnInputFolder() throws IOException {
        Path images = Files.createDirectories(dir.resolve("data/images"));
        Inputs inputs = Inputs.of().add("--data", images);
        assertThatThrownBy(() -> OutputTarget.model("--out", dir.resolve("data"), true, inputs))
                .hasMessageContaining("would replace a folder holding the input --data");
        assertThatThrownBy(() -> OutputTarget.model("--out", images.resolve("e.safetensors"), true, inputs))
                .hasMessageContaining("lies inside the input folder --data");
    }

    @Test
    void aResultsFolderMayExistButNotBeAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("report"), "x");
        assertThatThrownBy(() -> OutputTarget.check("--out", file, Kind.RESULTS_DIRECTORY, true, Inputs.of()))
                .hasMessageContaining("not a folder");
        Path folder = Files.createDirectory(dir.resolve("results"));
        Files.writeString(folder.resolve("other"), "kept");
        assertThat(OutputTarget.check("--out", folder, Kind.RESULTS_DIRECTORY, false, Inputs.of()).replaces()).isFalse();
    }

    @Test
    void twoOutputsOfOneCommandMustDiffer() {
        OutputTarget a = OutputTarget.model("--out", dir.resolve("m.safetensors"), false, Inputs.of());
        OutputTarget b = OutputTarget.check("--save-lambda", dir.resolve("m.safetensors"), Kind.FILE, false, Inputs.of());
        assertThatThrownBy(() -> OutputTarget.checkDistinct(a, b)).hasMessageContaining("--save-lambda")
                .hasMessageContaining("--out");
    }

    @Test
    void writtenFilesHaveTheDefaultModeNotPrivateOnes() throws IOException {
        Path reference = dir.resolve("reference");
        Files.newOutputStream(reference).close(); // 0666 less the umask
        Path written = dir.resolve("written");
        AtomicFiles.write(written, out -> out.write(1));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        assertThat(Files.getPosixFilePermissions(written)).isEqualTo(expected);
        Path folder = AtomicFiles.newTempDirectory(dir.resolve("model"));
        Path refDir = Files.createDirectory(dir.resolve("refdir"));
        assertThat(Files.getPosixFilePermissions(folder)).isEqualTo(Files.getPosixFilePermissions(refDir));
        AtomicFiles.discard(folder);
    }
}
