package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.model.Gradients;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertModel;
import io.adamerge.model.bert.TokenBatch;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * BERT sentence-encoder forward and forward+backward (gradients of every weight of a projection of the normalised
 * sentence embeddings, as fine-tuning computes them) on a batch of random token ids without padding. Not a test:
 * {@code java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -cp ... io.adamerge.bench.BertBenchmark
 * --model DIR [--batch 32] [--tokens 48] [--warmup 2] [--reps 5]}, DIR as {@code adamerge import} writes it.
 */
public final class BertBenchmark {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private BertBenchmark() {
    }

    public static void main(String[] args) {
        Path model = null;
        int batch = 32;
        int tokens = 48;
        int warmup = 2;
        int reps = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required (a directory written by adamerge import)");
        }
        TorchRuntime.engine();
        try (NDManager manager = TorchRuntime.newManager(); BertModel bert = BertModel.load(model, manager)) {
            int vocab = bert.config().vocabSize();
            Random r = new Random(0);
            long[] ids = new long[batch * tokens];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i % tokens == 0 ? 101 : i % tokens == tokens - 1 ? 102 : 1000 + r.nextInt(vocab - 1000);
            }
            long[] ones = new long[ids.length];
            Arrays.fill(ones, 1);
            Shape shape = new Shape(batch, tokens);
            TokenBatch input = new TokenBatch(manager.create(ids, shape), manager.create(ones, shape), manager.create(new long[ids.length], shape));
            NDArray projection = manager.randomNormal(new Shape(batch, bert.config().hiddenSize()));
            System.out.printf(Locale.ROOT, "%s: %d layers, batch %d x %d tokens, %s intra-op threads, load average %.1f%n", model,
                    bert.config().numLayers(), batch, tokens, System.getProperty(TorchRuntime.NUM_THREADS), OS.getSystemLoadAverage());
            for (boolean backward : new boolean[] {false, true}) {
                List<double[]> times = new ArrayList<>();
                for (int i = 0; i < warmup + reps; i++) {
                    long cpu0 = OS.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    try (NDManager step = manager.newSubManager()) {
                        if (backward) {
                            Map<String, NDArray> leaves = Gradients.leaves(bert.weights(), step);
                            try (GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                                NDArray loss = bert.encoder().sentenceEmbedding(leaves, input, bert.pooling(), true).mul(projection).sum();
                                collector.backward(loss);
                            }
                            leaves.values().forEach(l -> l.getGradient().close());
                        } else {
                            bert.encoder().sentenceEmbedding(bert.weights(), input, bert.pooling(), true).close();
                        }
                    }
                    double wall = (System.nanoTime() - t0) / 1e9;
                    double cpu = (OS.getProcessCpuTime() - cpu0) / 1e9;
                    if (i >= warmup) {
                        times.add(new double[] {wall, cpu});
                    }
                }
                double[] walls = times.stream().mapToDouble(t -> t[0]).sorted().toArray();
                double[] cpus = times.stream().mapToDouble(t -> t[1]).sorted().toArray();
                System.out.printf(Locale.ROOT, "%-17s median %.3f s, best %.3f s wall; median %.3f s CPU (%d reps)%n",
                        backward ? "forward+backward" : "forward", walls[walls.length / 2], walls[0], cpus[cpus.length / 2], walls.length);
            }
        }
    }
}
