package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
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
        try (VitBenchmark djl = new VitBenchmark(batch); PythonSide pt = skipPython ? null : new PythonSide(python, script, List.of("--batch", Integer.toString(batch), "--threads", Integer.toString(cores)))) {
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
                        b = pt == null ? null : pythonRun(pt, task);
                    } else {
                        b = pythonRun(pt, task);
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
                        PythonSide.median(d, Time::wall), PythonSide.min(d, Time::wall),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.3f", PythonSide.median(p, Time::wall)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.3f", PythonSide.min(p, Time::wall)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.2f", pairRatio(d, p)),
                        p.isEmpty() ? "-" : String.format(Locale.ROOT, "%8.2f", PythonSide.min(d, Time::wall) / PythonSide.min(p, Time::wall))));
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

    private static Time pythonRun(PythonSide pt, String task) {
        JsonNode r = pt.request(task);
        return new Time(r.get("wall").asDouble(), r.get("cpu").asDouble());
    }

    private static double pairRatio(List<Time> djl, List<Time> pt) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < djl.size(); i++) {
            r.add(djl.get(i).wall() / pt.get(i).wall());
        }
        return PythonSide.median(r, x -> x);
    }
}
