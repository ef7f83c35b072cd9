package io.adamerge.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One output location, checked before any work under the one output policy every writing command follows:
 * <ul>
 *   <li>nothing the command did not create is deleted or replaced unless the user says so ({@code --force}); then
 *       {@link #replacing()} says what will be replaced;</li>
 *   <li>an output never lands on an input (same file by real path or inode), never replaces a folder holding an
 *       input and never goes inside an input folder;</li>
 *   <li>device nodes, pipes, the working directory and its ancestors are never replaced, whatever the flags;</li>
 *   <li>stale temporaries of the same target left by dead processes are swept ({@link AtomicFiles}).</li>
 * </ul>
 *
 * @param option    the option or key that named it, for messages
 * @param path      the location, absolute and normalised
 * @param kind      what will be written there
 * @param replacing a description of what will be replaced ({@code --force} given and something there), or null
 */
public record OutputTarget(String option, Path path, Kind kind, String replacing) {

    /** What a command writes at a location. */
    public enum Kind {
        /** One file, renamed into place. */
        FILE,
        /** A folder built aside and renamed into place: replaces the whole folder. */
        DIRECTORY,
        /**
         * A results folder the command owns and adds its own named files to (reports, caches): it may exist and
         * keeps anything else in it; it may not be a file.
         */
        RESULTS_DIRECTORY;

        /** A model output: a {@code .safetensors} file, anything else a model folder. */
        public static Kind model(Path path) {
            return path.getFileName() != null && path.getFileName().toString().endsWith(".safetensors") ? FILE : DIRECTORY;
        }
    }

    /** Whether an existing target will be replaced (with the user's consent). */
    public boolean replaces() {
        return replacing != null;
    }

    /** A model output ({@link Kind#model}). */
    public static OutputTarget model(String option, Path path, boolean force, Inputs inputs) {
        return check(option, path, path == null ? Kind.FILE : Kind.model(path), force, inputs);
    }

    /**
     * Checks {@code path} as an output of {@code kind} and returns it; throws {@link OutputException} naming the
     * option when the policy forbids writing there.
     */
    public static OutputTarget check(String option, Path path, Kind kind, boolean force, Inputs inputs) {
        if (path == null || path.toString().isEmpty()) {
            throw new OutputException("give an output: " + option + " PATH");
        }
        Path abs = path.toAbsolutePath().normalize();
        if (abs.getParent() == null || abs.getFileName() == null) {
            throw new OutputException(option + " " + path + ": refusing to write onto the file system root");
        }
        Path resolved = resolvedLocation(abs);
        Path cwd = Path.of("").toAbsolutePath().normalize();
        Path cwdReal = realOrSelf(cwd);
        if (kind != Kind.RESULTS_DIRECTORY && (cwd.startsWith(abs) || cwdReal.startsWith(resolved))) {
            throw new OutputException(option + " " + path + ": is the working directory or holds it; give a new name");
        }
        Path parent = abs.getParent();
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new OutputException(option + " " + path + ": " + parent + " is not a folder");
        }
        checkInputs(option, path, kind, resolved, inputs);

        String replacing = null;
        boolean exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        if (exists) {
            boolean link = Files.isSymbolicLink(abs);
            boolean file = Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS);
            boolean dir = Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS);
            if (!link && !file && !dir) {
                throw new OutputException(option + " " + path + ": is not a regular file or folder (a device, pipe or "
                        + "socket); refusing to replace it");
            }
            switch (kind) {
                case FILE -> {
                    if (dir) {
                        throw new OutputException(option + " " + path + ": is a folder; give a file name (NAME.safetensors), "
                                + "or a new folder name for a model folder");
                    }
                    replacing = describe(abs, link, false);
                }
                case DIRECTORY -> {
                    if (!dir || !isEmpty(abs)) {
                        replacing = describe(abs, link, dir);
                    }
                }
                case RESULTS_DIRECTORY -> {
                    if (!dir) {
                        throw new OutputException(option + " " + path + ": is " + (link ? "a link" : "a file")
                                + ", not a folder; give a folder for the results");
                    }
                }
            }
            if (replacing != null && !force) {
                throw new OutputException(option + " " + path + ": already exists (" + replacing
                        + "); refusing to replace it: give another path, or --force to replace it");
            }
        }
        checkWritable(option, path, parent);
        AtomicFiles.sweepStale(abs);
        return new OutputTarget(option, abs, kind, replacing);
    }

    /**
     * The output's folder, or the nearest existing folder above it (the rest is created), takes a new file: a probe
     * created and removed at once, so that a merge of many minutes is not run to fail at its first write. Asks the file
     * system rather than the permission bits, which say yes to root where no file can be made (/proc, say).
     */
    private static void checkWritable(String option, Path path, Path parent) {
        Path existing = parent;
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        Path probe = null;
        try {
            probe = Files.createTempFile(existing, ".adamerge-probe-", ".tmp");
        } catch (IOException | UnsupportedOperationException e) {
            // the folder exists, so "no such file" means it takes none (/proc)
            String why = e instanceof java.nio.file.NoSuchFileException ? "it takes no new file"
                    : e instanceof java.nio.file.FileSystemException f ? FileErrors.reason(f) : e.getClass().getSimpleName();
            throw new OutputException(option + " " + path + ": cannot write in " + existing + " (" + why + ")");
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // the probe is empty and hidden; AtomicFiles' stale sweep does not know it, but it is harmless
                }
            }
        }
    }

    /** Several outputs of one command must differ from each other, too. */
    public static void checkDistinct(OutputTarget... targets) {
        List<OutputTarget> seen = new ArrayList<>();
        for (OutputTarget t : targets) {
            if (t == null) {
                continue;
            }
            Path r = resolvedLocation(t.path());
            for (OutputTarget s : seen) {
                Path q = resolvedLocation(s.path());
                if (r.equals(q) || r.startsWith(q) && s.kind() == Kind.DIRECTORY || q.startsWith(r) && t.kind() == Kind.DIRECTORY) {
                    throw new OutputException(t.option() + " " + t.path() + " and " + s.option() + " " + s.path()
                            + " are the same location; give each its own path");
                }
            }
            seen.add(t);
        }
    }

    /** A message for the user when something is replaced, or null. */
    public String replacementNote() {
        return replacing == null ? null : "replacing " + replacing + " at " + path + " (--force)";
    }

    private static void checkInputs(String option, Path given, Kind kind, Path out, Inputs inputs) {
        if (inputs == null) {
            return;
        }
        for (Inputs.Input in : inputs.all()) {
            Path p = in.path().toAbsolutePath().normalize();
            if (!Files.exists(p)) {
                continue; // an input that does not exist is refused where it is read
            }
            Path real = realOrSelf(p);
            String culprit = in.option() + " " + in.path();
            if (real.equals(out) || sameFile(p, out)) {
                throw new OutputException(option + " " + given + " is the input " + culprit
                        + "; refusing to write onto an input");
            }
            if (kind != Kind.RESULTS_DIRECTORY && real.startsWith(out)) {
                throw new OutputException(option + " " + given + " would replace a folder holding the input " + culprit);
            }
            if (Files.isDirectory(real) && out.startsWith(real)) {
                throw new OutputException(option + " " + given + " lies inside the input folder " + culprit);
            }
        }
    }

    /** Where a write to {@code abs} lands: the real path of what exists, else the real parent plus the name. */
    static Path resolvedLocation(Path abs) {
        if (Files.exists(abs)) {
            return realOrSelf(abs);
        }
        Path parent = abs.getParent();
        Path name = abs.getFileName();
        // the nearest existing ancestor decides: links in the path are followed as the write would follow them
        return parent == null ? abs : resolvedLocation(parent).resolve(name);
    }

    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isEmpty(Path dir) {
        try {
            return AtomicFiles.isEmptyDirectory(dir);
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(Path abs, boolean link, boolean dir) {
        if (link) {
            return "a link";
        }
        if (!dir) {
            try {
                return String.format(Locale.ROOT, "a file of %,d bytes", Files.size(abs));
            } catch (IOException e) {
                return "a file";
            }
        }
        try (var s = Files.list(abs)) {
            return "a folder with " + s.count() + " entries";
        } catch (IOException e) {
            return "a folder";
        }
    }
}
