package io.adamerge.cli;

import java.nio.file.Files;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.Granularity;
import io.adamerge.adamerging.SaveCoefficients;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.DataException;
import io.adamerge.merge.data.MergedCheckpoint;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge adamerging}: learn merging coefficients by entropy minimisation on unlabelled test images. */
@Command(name = "adamerging", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"AdaMerging (Yang et al., ICLR 2024): learns task-wise or layer-wise coefficients λ of the merge "
                + "θ = θ_pre + Σ_k clamp(λ_k, 0, 1)·T_k by minimising the prediction entropy of each task's frozen head on "
                + "unlabelled batches of its test images (Adam, as the official implementation). --plus merges Ties-trimmed, "
                + "sign-agreeing task vectors (AdaMerging++).",
                "Models, heads and data are given in the same task order."})
public final class AdaMergingCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "PRE", description = "The pretrained checkpoint (file, sharded index or HF directory).")
    Path base;

    @Option(names = "--models", required = true, arity = "1..*", paramLabel = "FT", description = "The fine-tuned checkpoints, one per task (or PEFT LoRA adapter folders over --base).")
    List<Path> models = new ArrayList<>();

    @Option(names = "--heads", required = true, arity = "1..*", paramLabel = "H",
            description = "Each task's classification head: safetensors with 'weight' [classes, dim], optional 'bias', "
                    + "metadata normalize=true for CLIP zero-shot heads.")
    List<Path> heads = new ArrayList<>();

    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "D",
            description = "Each task's unlabelled images: a safetensors file with 'pixel_values' [N, C, H, W] (preprocessed; "
                    + "labels, if present, are ignored) or a folder of PNG/JPEG images.")
    List<Path> data = new ArrayList<>();

    @Option(names = "--granularity", required = true, paramLabel = "task|layer",
            description = "One coefficient per task (task), or per task and parameter tensor (layer).")
    String granularity;

    @Option(names = "--plus", description = "AdaMerging++: merge Ties-trimmed, sign-agreeing task vectors.")
    boolean plus;

    @Option(names = "--density", defaultValue = "0.2", description = "Ties density for --plus (default: ${DEFAULT-VALUE}).")
    double density;

    @Option(names = "--steps", defaultValue = "500", description = "Adam steps in all, a resumed run included (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "16", description = "Images per task and step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--pass-activation-mb", defaultValue = "1024", paramLabel = "MB",
            description = "Bound on one forward and backward pass's activations (the encoder's estimate): tasks share a pass "
                    + "while they fit, a task's batch never split; 0 all tasks in one pass as the official code "
                    + "(default: ${DEFAULT-VALUE}).")
    int passActivationMb;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the batch sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-value", defaultValue = "0.3", description = "Initial λ without --init-lambda (default: ${DEFAULT-VALUE}).")
    float initValue;

    @Option(names = "--init-lambda", paramLabel = "FILE",
            description = "Start from (or resume) this coefficient file (tensor 'lambda' [layers, tasks], metadata granularity, layer_keys).")
    Path initLambda;

    @Option(names = "--save-lambda", paramLabel = "FILE", description = "Write the learnt coefficients (with the Adam state, to resume).")
    Path saveLambda;

    @Option(names = "--save-every", defaultValue = "0", paramLabel = "N",
            description = "Also write --save-lambda every N steps, so an interrupted run can resume (default: only at the end).")
    int saveEvery;

    @Mixin
    ThreadsOptions threads = new ThreadsOptions();

    @Option(names = "--config", paramLabel = "JSON", description = "CLIPVisionConfig JSON for checkpoints without config.json.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "MERGED",
            description = "The merged model: a .safetensors file, or else a directory (model.safetensors + config.json), in the "
                    + "base's layout and dtype.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out or --save-lambda (never an input).")
    boolean force;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        if (models.size() != heads.size() || models.size() != data.size()) {
            throw new IllegalArgumentException("give one head and one data set per model: " + models.size() + " models, "
                    + heads.size() + " heads, " + data.size() + " data sets");
        }
        if (saveEvery < 0) {
            throw new IllegalArgumentException("--save-every must be >= 0");
        }
        if (saveEvery > 0 && saveLambda == null) {
            throw new IllegalArgumentException("--save-every needs --save-lambda");
        }
        OutputTarget target = checkOutputs();
        threads.apply();
        AdaMergingConfig settings = new AdaMergingConfig(Granularity.parse(granularity), plus, density, steps, lr, 0.9, 0.999,
                1e-8, batch, initValue, seed, passActivationMb);
        long t0 = System.nanoTime();
        try (NDManager manager = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded pre = ClipVisionModel.load(base, config, manager);
            List<Map<String, NDArray>> finetuned = new ArrayList<>();
            List<AdaMerging.Task> tasks = new ArrayList<>();
            for (int k = 0; k < models.size(); k++) {
                ClipVisionModel.Loaded ft = ClipVisionModel.loadMatching(models.get(k), base, config, pre.model(), "the base", manager);
                finetuned.add(ft.weights());
                ClassificationHead head = ClassificationHead.load(heads.get(k), manager);
                TaskImages images = TaskImages.load(data.get(k), pre.model().config());
                tasks.add(new AdaMerging.Task(taskName(models.get(k)), head, images));
            }
            try (AdaMerging ada = AdaMerging.create(pre.model(), pre.weights(), finetuned, tasks, settings, manager)) {
                finetuned.forEach(m -> m.values().forEach(NDArray::close));
                Coefficients start = initLambda == null ? ada.initialCoefficients()
                        : Coefficients.load(initLambda).alignedTo(ada.layerKeys(), settings.granularity(), tasks.size(),
                                initLambda.toString());
                w.printf(Locale.ROOT, "%s: %d tasks, %d coefficients, steps %d..%d, batch %d, lr %s, seed %d%n",
                        settings.methodName(), tasks.size(), start.values().length, start.step(), Math.max(start.step(), steps),
                        batch, lr, seed);
                w.flush();
                float[] lastLoss = {Float.NaN};
                float[] firstLoss = {Float.NaN};
                Coefficients result;
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName(settings.methodName())
                        .setInitialMax(Math.max(steps, start.step())).startsFrom(start.step(), java.time.Duration.ZERO)
                        .setStyle(ProgressBarStyle.ASCII).continuousUpdate().build()) {
                    result = ada.trainer().run(start, (r, c) -> {
                        if (Float.isNaN(firstLoss[0])) {
                            firstLoss[0] = r.loss();
                        }
                        lastLoss[0] = r.loss();
                        bar.step();
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", r.loss()));
                    }, saveEvery > 0 ? new SaveCoefficients(saveLambda, saveEvery) : null);
                }
                if (saveLambda != null) {
                    result.save(saveLambda);
                }
                try (NDManager merged = manager.newSubManager()) {
                    Map<String, NDArray> weights = ada.merge(result, merged);
                    if (target.replaces()) {
                        w.println(target.replacementNote());
                    }
                    Path file = MergedCheckpoint.write(base, weights, target, metadata(settings, result));
                    if (result.step() > start.step()) {
                        w.printf(Locale.ROOT, "loss %.6f -> %.6f over %d steps in %.1f s%n", firstLoss[0], lastLoss[0],
                                result.step() - start.step(), (System.nanoTime() - t0) / 1e9);
                    } else {
                        w.printf(Locale.ROOT, "no steps to do: the coefficients are already at step %d of %d%n", start.step(), steps);
                    }
                    if (saveLambda != null) {
                        w.println("coefficients: " + saveLambda.toAbsolutePath());
                    }
                    w.println("merged model: " + file.toAbsolutePath());
                }
            }
        }
        return 0;
    }

    /**
     * The output policy, before any work: --out and --save-lambda are neither inputs nor each other, and replace
     * nothing without --force. Resuming writes --save-lambda onto --init-lambda: that one file may be updated.
     */
    private OutputTarget checkOutputs() {
        Inputs inputs = Inputs.of().add("--base", base).addAll("--models", models).addAll("--heads", heads)
                .addAll("--data", data).add("--config", config).add("--init-lambda", initLambda);
        OutputTarget target = OutputTarget.model("--out", out, force, inputs);
        if (saveLambda != null) {
            boolean resume = initLambda != null && sameFile(saveLambda, initLambda);
            Inputs others = Inputs.of().add("--base", base).addAll("--models", models).addAll("--heads", heads)
                    .addAll("--data", data).add("--config", config);
            OutputTarget lambda = OutputTarget.check("--save-lambda", saveLambda, OutputTarget.Kind.FILE, force || resume,
                    resume ? others : others.add("--init-lambda", initLambda));
            OutputTarget.checkDistinct(target, lambda);
        }
        return target;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String taskName(Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }

    private Map<String, String> metadata(AdaMergingConfig s, Coefficients c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("adamerge.method", s.methodName());
        m.put("adamerge.granularity", s.granularity().fileName());
        m.put("adamerge.steps", Integer.toString(c.step()));
        m.put("adamerge.lr", Double.toString(s.learningRate()));
        m.put("adamerge.batch", Integer.toString(s.batchSize()));
        m.put("adamerge.seed", Long.toString(s.seed()));
        if (s.plus()) {
            m.put("adamerge.ties_density", Double.toString(s.tiesDensity()));
        }
        try {
            m.put("adamerge.base", base.toString());
            m.put("adamerge.models", JSON.writeValueAsString(models.stream().map(Path::toString).toList()));
            // the coefficients the merge used: clamp(λ, 0, 1), [rows][tasks]; rows follow adamerge.layer_keys
            m.put("adamerge.coefficients", JSON.writeValueAsString(c.clampedMatrix()));
            if (s.granularity() == Granularity.LAYER) {
                m.put("adamerge.layer_keys", JSON.writeValueAsString(c.layerKeys()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }
}
