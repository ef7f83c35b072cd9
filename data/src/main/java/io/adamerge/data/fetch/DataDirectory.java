package io.adamerge.data.fetch;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where fetched sources live: {@code --data DIR}, else {@code $ADAMERGE_DATA}, else
 * {@code ~/.cache/adamerge/data}. Each source has its own folder, complete once it holds a {@value #MARKER}
 * file (written last), so a partly fetched source is never mistaken for a whole one.
 */
public record DataDirectory(Path root) {
    public static final String MARKER = ".complete";

    public DataDirectory {
        root = root.toAbsolutePath().normalize();
    }

    /** The directory chosen by {@code explicit} (may be null), the environment, or the default. */
    public static DataDirectory resolve(Path explicit) {
        if (explicit != null) {
            return new DataDirectory(explicit);
        }
        String env = System.getenv("ADAMERGE_DATA");
        if (env != null && !env.isBlank()) {
            return new DataDirectory(Path.of(env));
        }
        return new DataDirectory(Path.of(System.getProperty("user.home"), ".cache", "adamerge", "data"));
    }

    /** The default directory ({@code $ADAMERGE_DATA} or {@code ~/.cache/adamerge/data}). */
    public static DataDirectory defaultDirectory() {
        return resolve(null);
    }

    /** The folder a fetch puts {@code source} in. */
    public Path folder(Source source) {
        return root.resolve(source.folder());
    }

    /** Whether {@code source} is in this directory (fetched completely) or installed on the system. */
    public boolean has(Source source) {
        return Files.isRegularFile(folder(source).resolve(MARKER)) || systemFolder(source) != null;
    }

    /**
     * The folder holding {@code source}'s files: the data directory's copy when complete, else the installed
     * system package's folder, else null.
     */
    public Path locate(Source source) {
        if (Files.isRegularFile(folder(source).resolve(MARKER))) {
            return folder(source);
        }
        return systemFolder(source);
    }

    private static Path systemFolder(Source source) {
        if (source.systemPath() == null) {
            return null;
        }
        Path p = Path.of(source.systemPath());
        return Files.isDirectory(p) ? p : null;
    }

    /** Where built task splits are cached. */
    public Path taskCache() {
        return root.resolve("tasks");
    }
}
