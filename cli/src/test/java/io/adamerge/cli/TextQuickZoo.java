package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The quick text zoo the CLI's text tests share: built once per test JVM, by the first test that asks, whichever it is,
 * the way a fresh machine gets it — {@code adamerge demo --benchmark text --quick} on an empty folder, which imports
 * MiniLM from its jar and builds the zoo (zero-shot heads, fine-tunes, MTL; one cheap row, {@code pretrained}, is
 * computed on the way). It lives in a temporary folder deleted when the JVM exits. Tests only read it
 * ({@link #assertUnchanged} checks that they did); a test that writes into a zoo works on its own {@link #copyTo copy}.
 *
 * @param zoo         the zoo folder
 * @param build       the demo run that built it (its output says what was built)
 * @param fingerprint every file of the zoo as built: relative path → size and modification time
 */
record TextQuickZoo(Path zoo, CliRun build, Map<String, String> fingerprint) {
    private static TextQuickZoo shared;
    private static Throwable failure;

    /** The shared quick text zoo, built on the first call. */
    static synchronized TextQuickZoo get() {
        if (failure != null) {
            throw new IllegalStateException("the shared quick text zoo could not be built", failure);
        }
        if (shared == null) {
            try {
                shared = buildZoo();
            } catch (RuntimeException | AssertionError e) {
                failure = e;
                throw e;
            }
        }
        return shared;
    }

    private static TextQuickZoo buildZoo() {
        Path root;
        try {
            root = Files.createTempDirectory("adamerge-quick-text-zoo");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        Path zoo = root.resolve("zoo-text");
        CliRun build = CliRun.of("demo", "--benchmark", "text", "--quick", "--threads", "1", "--zoo", zoo.toString(), "--methods", "pretrained",
                "--out", root.resolve("demo").toString());
        assertThat(build.code()).as(build.err()).isZero();
        return new TextQuickZoo(zoo, build, fingerprint(zoo));
    }

    /** Fails when a file of the shared zoo was added, removed or rewritten since it was built. */
    void assertUnchanged() {
        assertThat(fingerprint(zoo)).as("the shared quick text zoo is read-only for the tests").isEqualTo(fingerprint);
    }

    /** Copies the zoo into {@code target} (which must not exist), for a test that writes into it. */
    Path copyTo(Path target) {
        try (Stream<Path> s = Files.walk(zoo)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path to = target.resolve(zoo.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    private static Map<String, String> fingerprint(Path zoo) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(zoo)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(zoo.relativize(p).toString(), Files.size(p) + " bytes, " + Files.getLastModifiedTime(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit: a leftover temporary folder is harmless
        }
    }
}
