package io.adamerge.cli.bench;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.cli.merge.MergeCommand;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethods;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code adamerge bench merge}: generates checkpoints, then times merges (each in a fresh JVM with a small heap)
 * against plain reading of the same files with {@code cat}, reporting GB/s of input and peak resident memory.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Benchmark streaming merges: generate N checkpoints, time `cat` of the inputs and each merge "
                + "method (child JVM, -Xmx as given), report GB/s of input and peak RSS.",
                "Cold runs drop the page cache first (needs root); warm runs read from the cache."})
public final class BenchMergeCommand implements Callable<Integer> {
    private static final Pattern PEAK = Pattern.compile("peak RSS: (\\d+) KiB");
    private static final Pattern PASSES = Pattern.compile("\\((\\d+) pass");
    private static final Pattern SECONDS = Pattern.compile(" in ([0-9.]+) s ");
    private static final Pattern CPU = Pattern.compile("process CPU: ([0-9.]+) s");

    @Spec
    CommandSpec spec;

    @Option(names = "--models", defaultValue = "8", description = "fine-tuned checkpoints (default ${DEFAULT-VALUE})")
    int models;

    @Option(names = "--size", defaultValue = "350MB", description = "size of each checkpoint (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--dir", defaultValue = "${java.io.tmpdir}", description = "where to generate (a fresh subdirectory, deleted afterwards)")
    Path dir;

    @Option(names = "--methods", split = ",", defaultValue = "task_arithmetic,ties,ties-per-tensor",
            description = "methods to time; ties-per-tensor is ties with scope per-tensor (default ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--xmx", defaultValue = "256m", description = "heap of the merging JVM (default ${DEFAULT-VALUE})")
    String xmx;

    @Option(names = "--mode", split = ",", defaultValue = "cold,warm",
            description = "cold (drop the page cache before each run) and/or warm (default ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(names = "--threads", defaultValue = "0",
            description = "threads of each merge (default: one per core)")
    int threads;

    @Option(names = "--keep", description = "keep the generated checkpoints")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        return bench();
    }

    private int bench() throws Exception {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        long bytesPerModel = MergeCommand.parseSize(size);
        long needed = bytesPerModel * (models + 2);
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free < needed) {
            throw new IllegalArgumentException(dir + ": " + free / 1_000_000 + " MB free, the benchmark needs about "
                    + needed / 1_000_000 + " MB");
        }
        Path work = Files.createTempDirectory(dir, "adamerge-bench-");
        try {
            out.printf(Locale.ROOT, "generating %d + 1 checkpoints of %s in %s ...%n", models, size, work);
            out.flush();
            long t0 = System.nanoTime();
            Path base = work.resolve("base.safetensors");
            generate(base, bytesPerModel, 0, 0.05f, null);
            List<Path> inputs = new ArrayList<>();
            for (int k = 1; k <= models; k++) {
                Path p = work.resolve("ft_" + k + ".safetensors");
                generate(p, bytesPerModel, k, 0.002f, base);
                inputs.add(p);
            }
            out.printf(Locale.ROOT, "generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            List<Path> all = new ArrayList<>(inputs);
            all.add(0, base);
            long inputBytes = 0;
            for (Path p : all) {
                inputBytes += Files.size(p);
            }
            int cores = Runtime.getRuntime().availableProcessors();
            out.printf(Locale.ROOT, "input: %d files, %.3f GB; merging JVM: -Xmx%s; %d cores; merge threads: %d%n",
                    all.size(), inputBytes / 1e9, xmx, cores, threads > 0 ? threads : cores);
            String archive = classDataOptions().stream().filter(a -> a.startsWith("-XX:SharedArchiveFile="))
                    .map(a -> a.substring(a.indexOf('=') + 1)).findFirst().orElse("none (ADAMERGE_CDS=0 or not via ./adamerge)");
            out.println("class-data archive of the merging JVM: " + archive);
            out.println("data-free merges run in pure Java; the engine's GEMM path (AdaMerging, Fisher, RegMean, training): "
                    + io.adamerge.model.TorchRuntime.gemmPath().name());
            out.printf("%-6s %-22s %8s %9s %8s %7s %10s %8s%n", "cache", "run", "seconds", "GB/s in", "vs cat",
                    "passes", "peak RSS", "CPU s");
            out.flush();
            for (String mode : modes) {
                boolean cold = mode.equals("cold");
                if (cold && !canDropCaches()) {
                    out.println("cold: cannot drop the page cache (needs root and /proc/sys/vm/drop_caches); skipped");
                    continue;
                }
                if (!cold) {
                    catFiles(all); // fill the cache
                }
                double catSeconds = timeCat(all, cold);
                out.printf(Locale.ROOT, "%-6s %-22s %8.2f %9.2f %8s %7s %10s%n", mode, "cat > /dev/null", catSeconds,
                        inputBytes / 1e9 / catSeconds, "100%", "1", "-");
                out.flush();
                for (String method : methods) {
                    Path result = work.resolve("merged.safetensors");
                    if (cold) {
                        dropCaches();
                    }
                    Run r = runMerge(method, base, inputs, result);
                    Files.deleteIfExists(result);
                    double gbps = inputBytes / 1e9 / r.seconds();
                    out.printf(Locale.ROOT, "%-6s %-22s %8.2f %9.2f %7.0f%% %7d %7d MB %8.2f%n", mode, method,
                            r.seconds(), gbps, 100 * catSeconds / r.seconds(), r.passes(), r.peakKiB() / 1024,
                            r.cpuSeconds());
                    out.flush();
                }
            }
            out.println("seconds: wall time of the merge in the child JVM (excluding JVM start); GB/s in: input "
                    + "checkpoint bytes / seconds; vs cat: cat's time / merge time; peak RSS: the child's VmHWM; "
                    + "CPU s: the child's CPU time (all threads, including JVM start and JIT).");
            out.flush();
            return 0;
        } finally {
            if (!keep) {
                deleteRecursively(work);
            } else {
                out.println("kept " + work);
                out.flush();
            }
        }
    }

    /** Every option checked before anything is generated: a bad one would otherwise surface after minutes, in a child. */
    private void checkOptions() {
        if (models < 1) {
            throw new IllegalArgumentException("--models: at least 1 fine-tuned checkpoint, got " + models);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("--threads: 0 (one per core) or more, got " + threads);
        }
        for (String mode : modes) {
            if (!mode.equals("cold") && !mode.equals("warm")) {
                throw new IllegalArgumentException("--mode: cold or warm, got '" + mode + "'");
            }
        }
        if (!xmx.matches("[1-9][0-9]*[kKmMgGtT]?")) {
            throw new IllegalArgumentException("--xmx: a heap size like 256m or 2g, got '" + xmx + "'");
        }
        MergeMethods registry = MergeMethods.discover();
        for (String method : methods) {
            if (!method.equals("ties-per-tensor")) {
                try {
                    registry.dataFree(method);
                } catch (MergeConfigException e) {
                    throw new IllegalArgumentException("--methods: " + e.getMessage(), e);
                }
            }
        }
    }

    private record Run(double seconds, int passes, long peakKiB, double cpuSeconds) {
    }

    private Run runMerge(String method, Path base, List<Path> inputs, Path result) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + xmx);
        cmd.addAll(classDataOptions());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.adamerge.cli.Main");
        cmd.add("merge");
        cmd.add("--no-progress");
        cmd.add("--report-peak-memory");
        cmd.addAll(List.of("--threads", Integer.toString(threads)));
        if (method.equals("ties-per-tensor")) {
            cmd.addAll(List.of("--method", "ties", "--ties-scope", "per-tensor"));
        } else {
            cmd.addAll(List.of("--method", method));
        }
        cmd.addAll(List.of("--base", base.toString(), "--models"));
        inputs.forEach(p -> cmd.add(p.toString()));
        cmd.addAll(List.of("--out", result.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException(method + " failed (exit " + code + "):\n" + output);
        }
        return new Run(Double.parseDouble(group(SECONDS, output)), Integer.parseInt(group(PASSES, output)),
                Long.parseLong(group(PEAK, output)), Double.parseDouble(group(CPU, output)));
    }

    /**
     * The class-data sharing options this JVM was started with (the launcher's archive, see {@code ./adamerge}), so
     * that the merging JVM starts as a user's {@code ./adamerge merge} does; the class path is this JVM's.
     */
    static List<String> classDataOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xshare:")
                        || a.startsWith("-Xlog:cds"))
                .toList();
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("unexpected merge output: " + text);
        }
        return m.group(1);
    }

    private static double timeCat(List<Path> files, boolean cold) throws IOException, InterruptedException {
        if (cold) {
            dropCaches();
        }
        long t0 = System.nanoTime();
        catFiles(files);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void catFiles(List<Path> files) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("cat");
        files.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cat failed");
        }
    }

    private static boolean canDropCaches() {
        return Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
    }

    /** sync, then drop clean page-cache pages, so the next read comes from disk. */
    private static void dropCaches() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
    }

    /**
     * A checkpoint of about {@code bytes} bytes: F32 [2048, 2048] weights, a smaller last weight, biases, and an
     * I64 position_ids buffer. The base is uniform noise; a fine-tuned model is the base plus small noise.
     */
    static void generate(Path file, long bytes, int seed, float scale, Path base) throws IOException {
        int width = 2048;
        long floats = bytes / 4 - 512 * 2;
        List<TensorSpec> specs = new ArrayList<>();
        int layer = 0;
        while (floats > width) {
            long rows = Math.min(width, (floats - width) / width);
            if (rows <= 0) {
                break;
            }
            specs.add(new TensorSpec("layers." + layer + ".weight", DType.F32, new long[] {rows, width}));
            specs.add(new TensorSpec("layers." + layer + ".bias", DType.F32, new long[] {width}));
            floats -= rows * width + width;
            layer++;
        }
        specs.add(new TensorSpec("embeddings.position_ids", DType.I64, new long[] {1, 512}));
        try (SafetensorsWriter w = new SafetensorsWriter(file, specs, Map.of("format", "pt"));
             Checkpoint b = base == null ? null : Checkpoint.open(base)) {
            long state = 0x9e3779b97f4a7c15L * (seed + 1);
            float[] buf = new float[1 << 20];
            ByteBuffer scratch = ByteBuffer.allocateDirect(buf.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorSpec s : specs) {
                if (s.dtype() == DType.I64) {
                    ByteBuffer ids = ByteBuffer.allocate(512 * 8).order(ByteOrder.LITTLE_ENDIAN);
                    for (long i = 0; i < 512; i++) {
                        ids.putLong(i);
                    }
                    ids.flip();
                    w.writeBytes(ids);
                    continue;
                }
                for (long start = 0; start < s.numel(); start += buf.length) {
                    int n = (int) Math.min(buf.length, s.numel() - start);
                    if (b != null) {
                        b.readFloats(s.name(), start, buf, 0, n, scratch);
                    } else {
                        Arrays.fill(buf, 0, n, 0f);
                    }
                    for (int i = 0; i < n; i++) {
                        // xorshift64: fast, deterministic noise in [-scale, scale)
                        state ^= state << 13;
                        state ^= state >>> 7;
                        state ^= state << 17;
                        buf[i] += ((state >>> 40) * 0x1p-23f - 1f) * scale;
                    }
                    w.writeFloats(buf, 0, n);
                }
            }
            w.commit();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
