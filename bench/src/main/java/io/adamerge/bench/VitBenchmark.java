package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.Entropy;
import io.adamerge.model.Gradients;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ViT-B/32 forward and forward+backward (mean entropy of a normalised 10-class head, as AdaMerging computes it)
 * on DJL, side by side with the same computation in PyTorch ({@code bench/python/vit_bench.py}) on this machine,
 * in one run. The PyTorch script stays up and runs one repetition per request, so DJL and PyTorch repetitions
 * alternate (the order flips every pair) and both see the same machine load; the summary gives medians, the
 * best (least disturbed) repetition, and the median of the per-pair ratios. Not a test: run {@code bench/vit-bench.sh}.
 *
 * <p>Arguments: {@code --batch N} (16), {@code --warmup N} (2), {@code --reps N} (7), {@code --python PATH}
 * (/usr/bin/python3), {@code --script PATH}, {@code --skip-python}.
 */
public final class VitBenchmark implements AutoCloseable {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One repetition: wall-clock and process CPU seconds (all threads). */
    private record Time(double wall, double cpu) {
    }

    private final NDManager manager = TorchRuntime.newManager();
    private final ClipVisionModel model;
    private final Map<String, NDArray> weights;
    private final ClassificationHead head;
    private final NDArray pixels;

    private VitBenchmark(int batch) {
        VitConfig config = VitConfig.vitB32();
        model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
        weights = VitInit.random(config, manager, 0);
        head = new ClassificationHead(manager.randomNormal(new Shape(10, config.projectionDim())), null, true);
        pixels = manager.randomNormal(new Shape(batch, 3, config.imageSize(), config.imageSize()));
    }

    public static void main(String[] args) throws IOException {
        int batch = 16;
        int warmup = 2;
        int reps = 7;
        String python = "/usr/bin/python3";
        Path script = Path.of("bench/python/vit_bench.py");
        boolean skipPython = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--python" -> python = args[++i];
                case "--script" -> script = Path.of(args[++i]);
                case "--skip-python" -> skipPython = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "ViT-B/32, batch %d, %d threads each, %d alternating repetitions (+%d warm-up), load average %.1f%n",
                batch, cores, reps, warmup, OS.getSystemLoadAverage());
        io.adamerge.model.TorchRuntime.GemmPath gemm = io.adamerge.model.TorchRuntime.gemmPath();
        System.out.println("DJL GEMM path: " + gemm.name() + " (" + gemm.description() + ")");
        try (VitBenchmark djl = new VitBenchmark(batch); PyTorchSide pt = skipPython ? null : new PyTorchSide(python, script, batch, cores)) {
            if (pt != null) {
                System.out.println("PyTorch: " + pt.banner);
            }
            String[] tasks = {"gemm", "fwd", "fwd_bwd"};
            String[] labels = {"SGEMM probe (10 x fc1 linear)", "forward", "forward+backward"};
            List<String> summary = new ArrayList<>();
            for (int t = 0; t < tasks.length; t++) {
                String task = tasks[t];
                List<Time> d = new ArrayList<>();
                List<Time> p = new ArrayList<>();
                for (int i = 0; i < warmup + reps; i++) {
                    Time a;
                    Time b = null;
                    if (i % 2 == 0 || pt == null) {
                        a = djl.run(task);
                        b = pt == null ? null : pt.run(task);
                    } else {
                        b = pt.run(task);
                        a = djl.run(task);
                    }
                    if (i >= warmup) {
                        d.add(a);
                        if (b != null) {
                            p.add(b);
                        }
                        System.out.printf(Locale.ROOT, "%-17s rep %d: DJL %6.2f s (cpu %6.2f)%s%n", task, i - warmup + 1, a.wall(), a.cpu(),
                                b == null ? "" : String.format(Locale.ROOT, "   PyTorch %6.2f s (cpu %6.2f)   ratio %.2f", b.wall(), b.cpu(),
                                        a.wall() / b.wall()));
                    }
                }
                summary.add(String.format(Locale.ROOT, "| %-30s | %8.3f | %8.3f | %8s | %8s | %8s | %8s |", labels[t],
                        median(d, Time::wall), min(d, Time::wall),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.3f", median(p, Time::wall)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.3f", min(p, Time::wall)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.2f", pairRatio(d, p)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.2f", min(d, Time::wall) / min(p, Time::wall))));
            }
            System.out.printf(Locale.ROOT, "%nload average at the end %.1f; seconds per batch of %d (wall clock)%n", OS.getSystemLoadAverage(), batch);
            System.out.println("| measure                        | DJL med. | DJL best | PT med.  | PT best  | ratio*   | best/best |");
            System.out.println("|--------------------------------|----------|----------|----------|----------|----------|-----------|");
            summary.forEach(System.out::println);
            System.out.println("ratio* = median over alternating pairs of DJL time / PyTorch time (target for forward+backward: <= 0.80)");
        }
    }

    private Time run(String task) {
        long wall = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        switch (task) {
            case "gemm" -> {
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(800, 768));
                    NDArray w = step.randomNormal(new Shape(3072, 768));
                    wall = System.nanoTime();
                    cpu = OS.getProcessCpuTime();
                    for (int i = 0; i < 10; i++) {
                        Linear.linear(x, w).singletonOrThrow().close();
                    }
                }
            }
            case "fwd" -> {
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = pixels.duplicate();
                    x.attach(step);
                    Entropy.mean(head.logits(model.forward(weights, x).embeddings())).getFloat();
                }
            }
            case "fwd_bwd" -> {
                // fresh leaves each step, as PyTorch's zero_grad(set_to_none=True) in the script
                try (NDManager step = manager.newSubManager(); GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                    Map<String, NDArray> leaves = Gradients.leaves(weights, step);
                    NDArray x = pixels.duplicate();
                    x.attach(step);
                    NDArray loss = Entropy.mean(head.logits(model.forward(leaves, x).embeddings()));
                    collector.backward(loss);
                    loss.getFloat();
                }
            }
            default -> throw new IllegalArgumentException(task);
        }
        return new Time((System.nanoTime() - wall) / 1e9, (OS.getProcessCpuTime() - cpu) / 1e9);
    }

    @Override
    public void close() {
        manager.close();
    }

    /** The PyTorch script, kept running; one repetition per request. */
    private static final class PyTorchSide implements AutoCloseable {
        private final Process process;
        private final PrintWriter in;
        private final BufferedReader out;
        final String banner;

        PyTorchSide(String python, Path script, int batch, int threads) throws IOException {
            if (!Files.isRegularFile(script)) {
                throw new IllegalArgumentException(script + ": PyTorch benchmark script not found (pass --script)");
            }
            process = new ProcessBuilder(python, script.toString(), "--batch", Integer.toString(batch), "--threads", Integer.toString(threads))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            banner = readLine(python + " " + script);
        }

        private String readLine(String what) throws IOException {
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException(what + " ended early; install Debian's python3-torch and libopenblas0-pthread, or pass --skip-python");
            }
            return line;
        }

        Time run(String task) {
            try {
                in.println(task);
                JsonNode r = JSON.readTree(readLine("PyTorch " + task));
                return new Time(r.get("wall").asDouble(), r.get("cpu").asDouble());
            } catch (IOException e) {
                throw new IllegalStateException("PyTorch side failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            in.println("quit");
            process.destroy();
        }
    }

    private static double pairRatio(List<Time> djl, List<Time> pt) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < djl.size(); i++) {
            r.add(djl.get(i).wall() / pt.get(i).wall());
        }
        return median(r, x -> x);
    }

    private static <T> double median(List<T> xs, java.util.function.ToDoubleFunction<T> f) {
        double[] s = xs.stream().mapToDouble(f).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static <T> double min(List<T> xs, java.util.function.ToDoubleFunction<T> f) {
        return xs.stream().mapToDouble(f).min().orElse(Double.NaN);
    }
}
