package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.CoefficientTrainer;
import io.adamerge.adamerging.EntropyObjective;
import io.adamerge.adamerging.Granularity;
import io.adamerge.adamerging.PyTorchAdam;
import io.adamerge.adamerging.TestTimeTask;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightLayout;
import io.adamerge.model.bert.BertConfig;
import io.adamerge.model.bert.BertEncoder;
import io.adamerge.model.bert.BertKeys;
import io.adamerge.model.bert.BertSentenceEncoder;
import io.adamerge.model.bert.TokenBatch;
import io.adamerge.onnx.SentencePooling;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One layer-wise AdaMerging step (8 tasks × 16 inputs, entropy, PyTorch-exact Adam on the coefficients) on DJL, side by
 * side with the two ways it is run in PyTorch ({@code bench/python/ada_step_bench.py}): (a) the official code's (merged
 * weights rebuilt inside every task's forward, one backward on the summed loss) and (b) FusionBench's (merge once per
 * step, functional forward per task, one backward per task). Ours ({@link CoefficientTrainer}) merges once and runs the
 * tasks' batches as one forward and one backward. Random weights of ViT-B/32's or MiniLM-L6's shapes and task vectors of fine-tuning's
 * size. DJL and the two PyTorch styles alternate (the order rotates every repetition) so all see the same load; the
 * summary gives medians and the medians of the per-repetition ratios. Not a test: run {@code bench/ada-step-bench.sh}.
 *
 * <p>Arguments: {@code --model vit|minilm} (vit: ViT-B/32 at 224 px; minilm: all-MiniLM-L6-v2 on texts of up to
 * {@code --tokens N} (32) tokens), {@code --tasks N} (8), {@code --batch N} (16), {@code --threads N} (all cores),
 * {@code --warmup N} (1), {@code --reps N} (5), {@code --python PATH}, {@code --script PATH}, {@code --skip-python},
 * {@code --pass-activation-mb N} (the trainer's bound on a pass's activations; default AdaMerging's; 0 = all tasks in
 * one pass).
 */
public final class AdaStepBenchmark implements AutoCloseable {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private record Time(double wall, double cpu, double loss) {
    }

    private final NDManager manager;
    private final AdaMerging ada;
    private final List<TestTimeTask> tasks;
    private final int batch;
    private final long passActivationBytes;
    private final StepFlops flops;
    /** The probe's product: fc1 of one forward pass, [examples of a pass × sequence, width] × [width, FFN]. */
    private final long[] probeShape;
    private Coefficients current;

    private AdaStepBenchmark(String modelName, int numTasks, int batch, int tokens, long passActivationBytes) {
        manager = TorchRuntime.newManager();
        this.batch = batch;
        this.passActivationBytes = passActivationBytes;
        Encoder model;
        Map<String, NDArray> pre;
        if (modelName.equals("vit")) {
            VitConfig config = VitConfig.vitB32();
            model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
            pre = VitInit.random(config, manager, 0);
        } else {
            model = new BertSentenceEncoder(new BertEncoder(MINILM_L6), SentencePooling.MEAN, false);
            pre = bertWeights(manager);
        }
        long mergedParameters = pre.values().stream().mapToLong(a -> a.getShape().size()).sum();
        int width;
        int ffn;
        int layers;
        int heads;
        long sequence;
        if (model.config() instanceof VitConfig v) {
            width = v.hiddenSize();
            ffn = v.intermediateSize();
            layers = v.numLayers();
            heads = v.numHeads();
            sequence = (long) (v.imageSize() / v.patchSize()) * (v.imageSize() / v.patchSize()) + 1;
            flops = StepFlops.vit(v, (long) numTasks * batch, CLASSES, mergedParameters, numTasks);
        } else {
            width = MINILM_L6.hiddenSize();
            ffn = MINILM_L6.intermediateSize();
            layers = MINILM_L6.numLayers();
            heads = MINILM_L6.numHeads();
            sequence = tokens; // every task's batch holds one full-length text
            flops = StepFlops.bert(MINILM_L6, sequence, (long) numTasks * batch, CLASSES, mergedParameters, numTasks);
        }
        long perTask = Encoder.transformerActivationBytes(batch, sequence, layers, width, ffn, heads);
        probeShape = new long[] {tasksPerPass(numTasks, perTask, passActivationBytes) * batch * sequence, width, ffn};
        List<Map<String, NDArray>> finetuned = new ArrayList<>();
        List<TestTimeTask> ts = new ArrayList<>();
        Random random = new Random(0);
        for (int k = 0; k < numTasks; k++) {
            Map<String, NDArray> ft = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : pre.entrySet()) {
                try (NDArray noise = manager.randomNormal(0, 1e-3f, e.getValue().getShape(), e.getValue().getDataType())) {
                    ft.put(e.getKey(), e.getValue().add(noise));
                }
            }
            finetuned.add(ft);
            NDArray head = manager.randomNormal(new Shape(CLASSES, model.embeddingDim()));
            ts.add(TestTimeTask.of("task" + k, new ClassificationHead(head, null, true),
                    modelName.equals("vit") ? images((VitConfig) model.config(), batch, random) : texts(batch, tokens, random)));
        }
        tasks = ts;
        AdaMergingConfig cfg = AdaMergingConfig.defaults(Granularity.LAYER, false).withBatchSize(batch);
        ada = AdaMerging.create(model, pre, finetuned, tasks, cfg, manager);
        finetuned.forEach(m -> m.values().forEach(NDArray::close));
        pre.values().forEach(NDArray::close);
        current = ada.initialCoefficients();
    }

    private static final int CLASSES = 10;

    /** Tasks per forward and backward pass as the trainer groups them (equal batches): as many as the bound holds, at least one. */
    private static long tasksPerPass(int tasks, long bytesPerTask, long bound) {
        return bound == CoefficientTrainer.ALL_IN_ONE_PASS ? tasks : Math.max(1, Math.min(tasks, bound / bytesPerTask));
    }

    /** all-MiniLM-L6-v2's shape: 6 layers of width 384, 12 heads, FFN 1536, BERT's vocabulary. */
    static final BertConfig MINILM_L6 = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, HiddenAct.GELU);

    private static Map<String, NDArray> bertWeights(NDManager m) {
        m.getEngine().setRandomSeed(0);
        Map<String, NDArray> w = new LinkedHashMap<>();
        BertKeys.shapes(MINILM_L6).forEach((name, shape) -> {
            Shape s = new Shape(shape);
            w.put(name, name.endsWith("LayerNorm.weight") ? m.ones(s)
                    : name.endsWith(".bias") ? m.zeros(s) : m.randomNormal(0f, 0.02f, s, DataType.FLOAT32));
        });
        return w;
    }

    private static Examples images(VitConfig config, int count, Random random) {
        float[] images = new float[count * 3 * config.imageSize() * config.imageSize()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        return new TaskImages("random", count, 3, config.imageSize(), config.imageSize(), images);
    }

    /** Random token ids of lengths tokens/3 … tokens, the first text full length (so every batch of all is {@code tokens} wide). */
    private static Examples texts(int count, int tokens, Random random) {
        long[][] ids = new long[count][];
        for (int i = 0; i < count; i++) {
            ids[i] = new long[i == 0 ? tokens : tokens / 3 + random.nextInt(tokens - tokens / 3 + 1)];
            for (int j = 0; j < ids[i].length; j++) {
                ids[i][j] = 1000 + random.nextInt(MINILM_L6.vocabSize() - 1000);
            }
        }
        return new RandomTexts(ids);
    }

    /** Token sequences, each selection padded to its longest, as a tokenizer's batches are. */
    private record RandomTexts(long[][] ids) implements Examples {
        @Override
        public String source() {
            return "random";
        }

        @Override
        public int count() {
            return ids.length;
        }

        @Override
        public Batch select(int[] indices, NDManager m) {
            return TokenBatch.rightPadded(ids, indices, 0, m);
        }
    }

    /** One step from the current coefficients: the trainer's own loop, run for exactly one more update. */
    private Time step() {
        long wall = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        float[] loss = new float[1];
        CoefficientTrainer one = new CoefficientTrainer(ada.model(), ada.coefficientMerge(), tasks, EntropyObjective.INSTANCE,
                PyTorchAdam.Settings.withLearningRate(AdaMergingConfig.DEFAULT_LR), new BatchSampler(0, batch), current.step() + 1,
                List.of(), passActivationBytes);
        current = one.run(current, new io.adamerge.adamerging.TrainerListener() {
            @Override
            public void beforeUpdate(io.adamerge.adamerging.StepResult r) {
                loss[0] = r.loss();
            }

            @Override
            public void afterStep(io.adamerge.adamerging.StepResult r, Coefficients updated) {
            }
        });
        return new Time((System.nanoTime() - wall) / 1e9, (OS.getProcessCpuTime() - cpu) / 1e9, loss[0]);
    }

    public static void main(String[] args) throws IOException {
        String modelName = "vit";
        int tokens = 32;
        int numTasks = 8;
        int batch = 16;
        int threads = Runtime.getRuntime().availableProcessors();
        int warmup = 1;
        int reps = 5;
        String python = "/usr/bin/python3";
        Path script = Path.of("bench/python/ada_step_bench.py");
        boolean skipPython = false;
        long passActivationBytes = AdaMergingConfig.DEFAULT_PASS_ACTIVATION_MB * AdaMergingConfig.MB;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> modelName = args[++i];
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--tasks" -> numTasks = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--python" -> python = args[++i];
                case "--script" -> script = Path.of(args[++i]);
                case "--skip-python" -> skipPython = true;
                case "--pass-activation-mb" -> passActivationBytes = Long.parseLong(args[++i]) * AdaMergingConfig.MB;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!modelName.equals("vit") && !modelName.equals("minilm")) {
            throw new IllegalArgumentException("--model is vit or minilm, got " + modelName);
        }
        System.setProperty(TorchRuntime.NUM_THREADS, Integer.toString(threads));
        System.setProperty(TorchRuntime.NUM_INTEROP_THREADS, Integer.toString(threads));
        TorchRuntime.GemmPath gemm = TorchRuntime.gemmPath();
        System.out.printf(Locale.ROOT, "layer-wise AdaMerging step, %s shapes, %d tasks x %d inputs, %d threads each, %d repetitions "
                + "(+%d warm-up), load average %.1f; DJL GEMM path %s, %s%n", modelName.equals("vit") ? "ViT-B/32" : "MiniLM-L6 (" + tokens + " tokens)", numTasks, batch, threads, reps, warmup, OS.getSystemLoadAverage(), gemm.name(),
                passActivationBytes == CoefficientTrainer.ALL_IN_ONE_PASS ? "all tasks in one pass" : "passes of at most " + passActivationBytes / AdaMergingConfig.MB + " MiB of activations");
        String[] styles = {"official", "fusionbench"};
        try (AdaStepBenchmark djl = new AdaStepBenchmark(modelName, numTasks, batch, tokens, passActivationBytes);
             PythonSide pt = skipPython ? null : new PythonSide(python, script, List.of("--model", modelName, "--tokens", Integer.toString(tokens), "--tasks", Integer.toString(numTasks),
                     "--batch", Integer.toString(batch), "--threads", Integer.toString(threads)))) {
            if (pt != null) {
                System.out.println("PyTorch: " + pt.banner);
            }
            List<Time> d = new ArrayList<>();
            List<List<Time>> p = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < warmup + reps; i++) {
                Time a = null;
                Time[] b = new Time[2];
                // rotate the order so that no side always runs first
                for (int j = 0; j < 3; j++) {
                    int who = (i + j) % 3;
                    if (who == 0) {
                        a = djl.step();
                    } else if (pt != null) {
                        b[who - 1] = pythonStep(pt, styles[who - 1]);
                    }
                }
                if (i >= warmup) {
                    d.add(a);
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "rep %d: DJL %6.2f s (cpu %6.2f, loss %.4f)",
                            i - warmup + 1, a.wall(), a.cpu(), a.loss()));
                    for (int s = 0; s < 2 && pt != null; s++) {
                        p.get(s).add(b[s]);
                        line.append(String.format(Locale.ROOT, "   %s %6.2f s (cpu %6.2f)", styles[s], b[s].wall(), b[s].cpu()));
                    }
                    System.out.println(line);
                }
            }
            System.out.printf(Locale.ROOT, "%nload average at the end %.1f; seconds per step (wall clock)%n", OS.getSystemLoadAverage());
            System.out.println("| side                         | median | best   | CPU s med. | DJL / side (median of pairs) |");
            System.out.println("|------------------------------|--------|--------|------------|------------------------------|");
            System.out.printf(Locale.ROOT, "| DJL (adamerge)               | %6.2f | %6.2f | %10.2f | %28s |%n", PythonSide.median(d, Time::wall), PythonSide.min(d, Time::wall),
                    PythonSide.median(d, Time::cpu), "-");
            for (int s = 0; s < 2 && pt != null; s++) {
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < d.size(); i++) {
                    ratios.add(d.get(i).wall() / p.get(s).get(i).wall());
                }
                System.out.printf(Locale.ROOT, "| PyTorch %-20s | %6.2f | %6.2f | %10.2f | %28.2f |%n", "(" + (s == 0 ? "a) official" : "b) FusionBench") ,
                        PythonSide.median(p.get(s), Time::wall), PythonSide.min(p.get(s), Time::wall), PythonSide.median(p.get(s), Time::cpu), PythonSide.median(ratios, x -> x));
            }
            System.out.println("targets: DJL / (b) <= 0.8, DJL / (a) <= 0.3");
            djl.reportFloor(PythonSide.median(d, Time::wall), pt == null ? null
                    : new double[] {PythonSide.median(p.get(0), Time::wall), PythonSide.median(p.get(1), Time::wall)}, threads);
        }
    }

    /**
     * What the step's matrix products alone cost at this engine's GEMM rate ({@link StepFlops}): a floor under any
     * implementation's step on these cores with these products, so also under DJL / (a) and DJL / (b).
     */
    private void reportFloor(double djlSeconds, double[] python, int threads) {
        long m = probeShape[0];
        long k = probeShape[1];
        long n = probeShape[2];
        double rate = StepFlops.linearLayerRate(manager, m, k, n, 5);
        double floor = flops.total() / (rate * 1e9);
        System.out.printf(Locale.ROOT, "%nmatrix products per step: forward %.1f, backward %.1f, merge %.1f GFLOP (%.1f in all)%n",
                flops.forward() / 1e9, flops.backward() / 1e9, flops.merge() / 1e9, flops.total() / 1e9);
        System.out.printf(Locale.ROOT, "GEMM rate: a linear layer's three products at [%d, %d] x [%d, %d] (fc1 of one pass), %d threads: "
                + "%.1f GFLOP/s%n", m, k, k, n, threads, rate);
        System.out.printf(Locale.ROOT, "so the products alone take >= %.2f s per step at that rate; DJL's step ran at %.1f GFLOP/s "
                + "(%.0f%% of it)%n", floor, flops.total() / djlSeconds / 1e9, 100 * floor / djlSeconds);
        // large square products are where GEMM kernels come closest to their peak: the generous rate
        double peak = StepFlops.linearLayerRate(manager, 2048, 2048, 2048, 5);
        double peakFloor = flops.total() / (peak * 1e9);
        System.out.printf(Locale.ROOT, "the same at [2048, 2048] x [2048, 2048]: %.1f GFLOP/s, >= %.2f s per step%n", peak, peakFloor);
        if (python != null) {
            System.out.printf(Locale.ROOT, "so any step's time / (a) >= %.2f (%.2f at the square rate) and / (b) >= %.2f (%.2f): the "
                    + "floors over the PyTorch medians%n", floor / python[0], peakFloor / python[0], floor / python[1], peakFloor / python[1]);
        }
    }

    private static Time pythonStep(PythonSide pt, String style) {
        JsonNode r = pt.request(style);
        return new Time(r.get("wall").asDouble(), r.get("cpu").asDouble(), r.get("loss").asDouble());
    }

    @Override
    public void close() {
        ada.close();
        manager.close();
    }
}
