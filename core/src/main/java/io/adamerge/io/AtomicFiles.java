package io.adamerge.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every output goes through here: written under a hidden temporary sibling of its target and renamed into place.
 * Temporary names carry the writing process's id ({@code .NAME.<pid>-<hex>.tmp}, {@code .tmp-dir} for folders,
 * {@code .old} for a folder being replaced), so that:
 * <ul>
 *   <li>a shutdown hook removes this process's own temporaries on any exit the JVM sees (normal exit, an exception,
 *       Ctrl-C, SIGTERM);</li>
 *   <li>the next writer of the same target removes those of processes that no longer run (kill -9, a crash),
 *       and leaves those of a live concurrent writer alone.</li>
 * </ul>
 * Files and folders are created with the default modes ({@code 0666}/{@code 0777} less the umask), not 0600 as
 * {@link Files#createTempFile} would: an output is meant to be read by others' tools.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long PID = ProcessHandle.current().pid();
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    /** Temporaries of the naming used before process ids were part of it: swept once this old. */
    private static final Duration LEGACY_AGE = Duration.ofHours(1);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::deleteLive, "adamerge-temp-cleanup"));
    }

    private AtomicFiles() {
    }

    /** A new empty temporary file beside {@code target}, removed at exit unless {@link #commit}ted or {@link #discard}ed. */
    public static Path newTempFile(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        sweepStale(abs);
        for (int attempt = 0; ; attempt++) {
            Path temp = parent.resolve(tempName(abs, "tmp"));
            try {
                // CREATE_NEW with default attributes: mode 0666 less the umask
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                LIVE.add(temp);
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }

    /** A new empty temporary folder beside {@code target}, removed (with its contents) at exit unless committed or discarded. */
    public static Path newTempDirectory(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        sweepStale(abs);
        for (int attempt = 0; ; attempt++) {
            Path temp = parent.resolve(tempName(abs, "tmp-dir"));
            try {
                Files.createDirectory(temp);
                LIVE.add(temp);
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }

    private static String tempName(Path target, String kind) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "." + target.getFileName() + "." + PID + "-" + HexFormat.of().formatHex(b) + "." + kind;
    }

    /**
     * Renames a finished temporary (file or folder) onto {@code target}. With {@code replace} false an existing
     * target is never touched (it may have appeared since the output was checked: a concurrent writer) and this
     * fails; with {@code replace} true a file is replaced atomically and a folder is moved aside, replaced, and the old
     * one deleted.
     */
    public static void commit(Path temp, Path target, boolean replace) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        try {
            if (!replace) {
                commitNoReplace(temp, abs);
            } else if (Files.isDirectory(temp, LinkOption.NOFOLLOW_LINKS)
                    && Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                replaceWithDirectory(temp, abs);
            } else {
                try {
                    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            LIVE.remove(temp);
        }
    }

    private static void commitNoReplace(Path temp, Path target) throws IOException {
        if (Files.isDirectory(temp, LinkOption.NOFOLLOW_LINKS)) {
            // an empty folder may stand in the way (created by hand or by mkdir -p): nothing is lost replacing it
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) && isEmptyDirectory(target)) {
                Files.delete(target);
            }
            // without ATOMIC_MOVE, move refuses an existing target instead of replacing it
            Files.move(temp, target);
            return;
        }
        try {
            // a hard link is created only if the name is free: atomic no-replace
            Files.createLink(target, temp);
            Files.delete(temp);
        } catch (UnsupportedOperationException | IOException e) {
            if (e instanceof FileAlreadyExistsException) {
                throw new FileAlreadyExistsException(target + " appeared while it was being written; not replaced");
            }
            Files.move(temp, target);
        }
    }

    private static void replaceWithDirectory(Path temp, Path target) throws IOException {
        Path aside = target.getParent().resolve(tempName(target, "old"));
        LIVE.add(aside); // if the JVM stops between the two moves, the old one is left under a swept name
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(aside);
        LIVE.remove(aside);
    }

    /** Deletes an unfinished temporary (file or folder); never throws. */
    public static void discard(Path temp) {
        if (temp == null) {
            return;
        }
        deleteRecursively(temp);
        LIVE.remove(temp);
    }

    /** Writes a small file in one go: temporary sibling, then an atomic rename that replaces what is there. */
    public static void write(Path target, Contents contents) {
        Path temp = null;
        try {
            temp = newTempFile(target);
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING)) {
                contents.writeTo(out);
            }
            commit(temp, target, true);
            temp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            discard(temp);
        }
    }

    /** Copies a file onto {@code target} through a temporary sibling. */
    public static void copy(Path source, Path target) {
        write(target, out -> Files.copy(source, out));
    }

    /** The bytes of a file, written to a stream. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final Pattern OURS = Pattern.compile("\\.(\\d+)-[0-9a-f]{12}\\.(tmp|tmp-dir|old)");
    private static final Pattern LEGACY = Pattern.compile("\\.\\d+\\.tmp|\\.tmp-\\d+|\\.old-\\d+");

    /**
     * Removes temporaries of {@code target} left by processes that no longer run (and, after an hour, those of the
     * naming used before). Returns how many were removed.
     */
    public static int sweepStale(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null || !Files.isDirectory(parent)) {
            return 0;
        }
        String prefix = "." + abs.getFileName();
        int removed = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(parent, p -> p.getFileName().toString().startsWith(prefix + "."))) {
            for (Path p : dir) {
                String rest = p.getFileName().toString().substring(prefix.length());
                if (isStale(p, rest)) {
                    deleteRecursively(p);
                    removed++;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // a folder we cannot list: nothing to sweep there
        }
        return removed;
    }

    private static boolean isStale(Path p, String rest) throws IOException {
        Matcher m = OURS.matcher(rest);
        if (m.matches()) {
            long pid;
            try {
                pid = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return false;
            }
            if (pid == PID) {
                return !LIVE.contains(p);
            }
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        }
        if (LEGACY.matcher(rest).matches()) {
            FileTime t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            return t.toInstant().isBefore(Instant.now().minus(LEGACY_AGE));
        }
        return false;
    }

    /** This process's unfinished temporaries (for tests). */
    public static List<Path> liveTemporaries() {
        return List.copyOf(LIVE);
    }

    private static void deleteLive() {
        for (Path p : List.copyOf(LIVE)) {
            deleteRecursively(p);
        }
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Deletes a file or a folder tree (not following links); best effort, never throws. */
    public static void deleteRecursively(Path path) {
        if (path == null || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: what is left has a swept name
        }
    }
}
