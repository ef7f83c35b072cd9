package io.adamerge.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporaries: removed on any exit the JVM sees, swept after one it does not (issue 13, defect 5). */
class AtomicFilesTest {
    @TempDir
    Path dir;

    /** Run by a child JVM: leaves a temporary for {@code args[0]} unfinished, then exits as {@code args[1]} says. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path temp = AtomicFiles.newTempFile(Path.of(args[0]));
            Files.write(temp, new byte[1 << 16]);
            Path tempDir = AtomicFiles.newTempDirectory(Path.of(args[0] + "-dir"));
            Files.write(tempDir.resolve("shard"), new byte[1 << 16]);
            System.out.println("ready");
            System.out.flush();
            switch (args[1]) {
                case "exit" -> System.exit(3);
                case "throw" -> throw new IllegalStateException("boom");
                default -> Thread.sleep(60_000); // killed by the test
            }
        }
    }

    private Process child(Path target, String how) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                target.toString(), how).redirectErrorStream(true).start();
    }

    private static void awaitReady(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(r.readLine()).isEqualTo("ready");
    }

    private List<String> hidden() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    @Test
    void exitAndUncaughtExceptionLeaveNoTemporaries() throws Exception {
        for (String how : List.of("exit", "throw")) {
            Process p = child(dir.resolve("m.safetensors"), how);
            awaitReady(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(hidden()).as(how).isEmpty();
        }
    }

    @Test
    void sigtermLeavesNoTemporaries() throws Exception {
        Process p = child(dir.resolve("m.safetensors"), "sleep");
        awaitReady(p);
        assertThat(hidden()).hasSize(2);
        p.destroy(); // SIGTERM: shutdown hooks run
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(hidden()).isEmpty();
    }

    @Test
    void afterKillMinusNineTheNextWriterSweepsTheTemporaries() throws Exception {
        Path target = dir.resolve("m.safetensors");
        Process p = child(target, "sleep");
        awaitReady(p);
        p.destroyForcibly(); // SIGKILL: no hook runs
        p.waitFor(60, TimeUnit.SECONDS);
        assertThat(hidden()).hasSize(2);
        // a live process's temporaries are left alone: a concurrent writer
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        Path concurrent = dir.resolve(".m.safetensors." + live + "-0123456789ab.tmp");
        Files.writeString(concurrent, "in progress");
        AtomicFiles.write(target, out -> out.write(42));
        AtomicFiles.sweepStale(dir.resolve("m.safetensors-dir"));
        assertThat(hidden()).containsExactly(concurrent.getFileName().toString());
        assertThat(Files.readAllBytes(target)).containsExactly(42);
    }

    @Test
    void commitWithoutReplaceNeverTouchesATargetThatAppeared() throws IOException {
        Path target = dir.resolve("out.safetensors");
        Path temp = AtomicFiles.newTempFile(target);
        Files.writeString(temp, "new");
        Files.writeString(target, "someone else's");
        assertThatThrownBy(() -> AtomicFiles.commit(temp, target, false)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(target)).isEqualTo("someone else's");
        AtomicFiles.discard(temp);
        assertThat(hidden()).isEmpty();

        Path folder = dir.resolve("model");
        Files.createDirectory(folder);
        Files.writeString(folder.resolve("keep"), "x");
        Path work = AtomicFiles.newTempDirectory(folder);
        assertThatThrownBy(() -> AtomicFiles.commit(work, folder, false)).isInstanceOf(IOException.class);
        assertThat(Files.readString(folder.resolve("keep"))).isEqualTo("x");
        AtomicFiles.discard(work);
    }

    @Test
    void forcedReplaceOfAFolderLeavesNothingAside() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("model"));
        Files.writeString(folder.resolve("old"), "x");
        Path work = AtomicFiles.newTempDirectory(folder);
        Files.writeString(work.resolve("new"), "y");
        AtomicFiles.commit(work, folder, true);
        try (Stream<Path> s = Files.list(folder)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("new");
        }
        assertThat(hidden()).isEmpty();
    }
}
