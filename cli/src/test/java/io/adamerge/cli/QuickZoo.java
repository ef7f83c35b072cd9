package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.FetchException;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.BenchmarkTasks;
import io.adamerge.data.task.TaskInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The quick zoo the CLI's end-to-end tests share: built once per test JVM, by the first test that asks, whichever it
 * is, the way a fresh machine gets it — {@code adamerge demo --quick} on an empty folder, which pretrains the backbone
 * into {@code <zoo>-backbone} and builds the zoo (one cheap row, {@code pretrained}, is computed on the way). It lives
 * in a temporary folder deleted when the JVM exits. Tests only read it: nothing they run may write into it.
 *
 * @param data     the data directory holding every source the zoo needs
 * @param zoo      the zoo folder
 * @param backbone the backbone it was built from
 * @param build    the demo run that built them (its output says what was built)
 */
record QuickZoo(String data, Path zoo, Path backbone, CliRun build) {
    private static QuickZoo shared;
    private static Throwable failure;

    /** The shared quick zoo, built on the first call; skips the calling test when the data cannot be had here. */
    static synchronized QuickZoo get() {
        String data = fetchData();
        if (failure != null) {
            throw new IllegalStateException("the shared quick zoo could not be built", failure);
        }
        if (shared == null) {
            try {
                shared = build(data);
            } catch (RuntimeException | AssertionError e) {
                failure = e;
                throw e;
            }
        }
        return shared;
    }

    private static QuickZoo build(String data) {
        Path root;
        try {
            root = Files.createTempDirectory("adamerge-quick-zoo");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        Path zoo = root.resolve("zoo");
        CliRun build = CliRun.of("demo", "--quick", "--threads", "1", "--data", data, "--zoo", zoo.toString(), "--methods", "pretrained",
                "--out", root.resolve("demo").toString());
        assertThat(build.code()).as(build.err()).isZero();
        return new QuickZoo(data, zoo, root.resolve("zoo-backbone"), build);
    }

    /** The data directory with every source the quick zoo needs (fetched if missing), or the calling test is skipped. */
    static String fetchData() {
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

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit: a leftover temporary folder is harmless
        }
    }
}
