package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import java.io.IOException;
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
 * on DJL, side by side with the same computation in PyTorch ({@code bench/python/vit_bench.py}) run on this
 * machine in the same invocation. Rounds alternate DJL and PyTorch so both see similar machine load. For each
 * repetition both wall-clock seconds and process CPU seconds (all threads) are recorded: CPU time is far less
 * disturbed by other processes competing for the cores. Not a test: run {@code bench/vit-bench.sh}.
 *
 * <p>Arguments: {@code --batch N} (16), {@code --warmup N} (2), {@code --reps N} (3 per round),
 * {@code --rounds N} (2), {@code --python PATH} (/usr/bin/python3), {@code --script PATH}, {@code --skip-python}.
 */
public final class VitBenchmark {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private VitBenchmark() {
    }

    /** Timings of one engine, one list per measure. */
    private record Samples(List<Double> forwardWall, List<Double> forwardCpu, List<Double> bothWall, List<Double> bothCpu) {
        Samples() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int batch = 16;
        int warmup = 2;
        int reps = 3;
        int rounds = 2;
        String python = "/usr/bin/python3";
        Path script = Path.of("bench/python/vit_bench.py");
        boolean skipPython = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--python" -> python = args[++i];
                case "--script" -> script = Path.of(args[++i]);
                case "--skip-python" -> skipPython = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "ViT-B/32, batch %d, %d cores, %d rounds x %d reps (+%d warm-up each), load average %.1f%n",
                batch, cores, rounds, reps, warmup, OS.getSystemLoadAverage());
        double djlGemm = gemmGflops();
        System.out.printf(Locale.ROOT, "SGEMM probe (linear 800x768 by 3072x768, the fc1 shape at batch 16): DJL %.0f GFLOPS%n", djlGemm);
        Samples djl = new Samples();
        Samples pt = new Samples();
        String ptEngine = "-";
        for (int round = 1; round <= rounds; round++) {
            Samples d = runDjl(batch, warmup, reps);
            print("DJL    ", round, d);
            merge(djl, d);
            if (!skipPython) {
                JsonNode r = runPython(python, script, batch, warmup, reps, cores);
                ptEngine = r.get("engine").asText();
                Samples p = new Samples();
                r.get("forward_wall_s").forEach(n -> p.forwardWall().add(n.asDouble()));
                r.get("forward_cpu_s").forEach(n -> p.forwardCpu().add(n.asDouble()));
                r.get("forward_backward_wall_s").forEach(n -> p.bothWall().add(n.asDouble()));
                r.get("forward_backward_cpu_s").forEach(n -> p.bothCpu().add(n.asDouble()));
                print("PyTorch", round, p);
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "SGEMM probe: PyTorch %.0f GFLOPS%n", r.get("gemm_gflops").asDouble());
                }
                merge(pt, p);
            }
        }
        System.out.printf(Locale.ROOT, "%nload average at the end %.1f%n", OS.getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "%-30s %12s %12s %14s %14s%n", "seconds per batch", "fwd wall", "fwd cpu", "fwd+bwd wall", "fwd+bwd cpu");
        row("DJL " + TorchRuntime.engine().getVersion() + " median", djl, false);
        row("DJL " + TorchRuntime.engine().getVersion() + " best", djl, true);
        if (!skipPython) {
            row(ptEngine + " median", pt, false);
            row(ptEngine + " best", pt, true);
            System.out.printf(Locale.ROOT, "%-30s %12.2f %12.2f %14.2f %14.2f%n", "ratio DJL/PyTorch (median)",
                    median(djl.forwardWall()) / median(pt.forwardWall()), median(djl.forwardCpu()) / median(pt.forwardCpu()),
                    median(djl.bothWall()) / median(pt.bothWall()), median(djl.bothCpu()) / median(pt.bothCpu()));
            System.out.printf(Locale.ROOT, "%-30s %12.2f %12.2f %14.2f %14.2f%n", "ratio DJL/PyTorch (best)",
                    min(djl.forwardWall()) / min(pt.forwardWall()), min(djl.forwardCpu()) / min(pt.forwardCpu()),
                    min(djl.bothWall()) / min(pt.bothWall()), min(djl.bothCpu()) / min(pt.bothCpu()));
        }
    }

    private static void merge(Samples into, Samples from) {
        into.forwardWall().addAll(from.forwardWall());
        into.forwardCpu().addAll(from.forwardCpu());
        into.bothWall().addAll(from.bothWall());
        into.bothCpu().addAll(from.bothCpu());
    }

    private static void print(String engine, int round, Samples s) {
        System.out.printf(Locale.ROOT, "round %d %s forward wall %s cpu %s | forward+backward wall %s cpu %s%n", round, engine,
                fmt(s.forwardWall()), fmt(s.forwardCpu()), fmt(s.bothWall()), fmt(s.bothCpu()));
    }

    private static void row(String name, Samples s, boolean best) {
        System.out.printf(Locale.ROOT, "%-30s %12.3f %12.3f %14.3f %14.3f%n", name,
                best ? min(s.forwardWall()) : median(s.forwardWall()), best ? min(s.forwardCpu()) : median(s.forwardCpu()),
                best ? min(s.bothWall()) : median(s.bothWall()), best ? min(s.bothCpu()) : median(s.bothCpu()));
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList().toString();
    }

    /** Best-of-5 GFLOPS of one fc1-shaped linear layer: tells the BLAS libraries apart from everything else. */
    private static double gemmGflops() {
        try (NDManager m = TorchRuntime.newManager()) {
            NDArray x = m.randomNormal(new Shape(800, 768));
            NDArray w = m.randomNormal(new Shape(3072, 768));
            double best = 0;
            for (int r = 0; r < 5; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow().close();
                }
                best = Math.max(best, 10 * 2.0 * 800 * 768 * 3072 / ((System.nanoTime() - start) / 1e9) / 1e9);
            }
            return best;
        }
    }

    private static Samples runDjl(int batch, int warmup, int reps) {
        VitConfig config = VitConfig.vitB32();
        ClipVisionModel model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
        Samples s = new Samples();
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = VitInit.random(config, m, 0);
            ClassificationHead head = new ClassificationHead(m.randomNormal(new Shape(10, config.projectionDim())), null, true);
            NDArray pixels = m.randomNormal(new Shape(batch, 3, config.imageSize(), config.imageSize()));
            for (int i = 0; i < warmup + reps; i++) {
                long wall = System.nanoTime();
                long cpu = OS.getProcessCpuTime();
                try (NDManager step = m.newSubManager()) {
                    NDArray x = pixels.duplicate();
                    x.attach(step);
                    Entropy.mean(head.logits(model.forward(w, x).embeddings())).getFloat();
                }
                if (i >= warmup) {
                    s.forwardWall().add((System.nanoTime() - wall) / 1e9);
                    s.forwardCpu().add((OS.getProcessCpuTime() - cpu) / 1e9);
                }
            }
            for (int i = 0; i < warmup + reps; i++) {
                long wall = System.nanoTime();
                long cpu = OS.getProcessCpuTime();
                // fresh leaves each step, as PyTorch's zero_grad(set_to_none=True) in the script
                try (NDManager step = m.newSubManager(); GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                    Map<String, NDArray> leaves = Gradients.leaves(w, step);
                    NDArray x = pixels.duplicate();
                    x.attach(step);
                    NDArray loss = Entropy.mean(head.logits(model.forward(leaves, x).embeddings()));
                    collector.backward(loss);
                    loss.getFloat();
                }
                if (i >= warmup) {
                    s.bothWall().add((System.nanoTime() - wall) / 1e9);
                    s.bothCpu().add((OS.getProcessCpuTime() - cpu) / 1e9);
                }
            }
        }
        return s;
    }

    private static JsonNode runPython(String python, Path script, int batch, int warmup, int reps, int cores)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException(script + ": PyTorch benchmark script not found (run from the repository root or pass --script)");
        }
        Process p = new ProcessBuilder(python, script.toString(), "--batch", Integer.toString(batch), "--warmup", Integer.toString(warmup),
                "--reps", Integer.toString(reps), "--threads", Integer.toString(cores))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(python + " " + script + " failed (exit " + p.exitValue() + "); install Debian's python3-torch"
                    + " and libopenblas0-pthread, or pass --skip-python");
        }
        String[] lines = stdout.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }
}
