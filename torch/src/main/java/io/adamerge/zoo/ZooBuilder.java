package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.data.ImageDataset;
import io.adamerge.eval.Evaluator;
import io.adamerge.eval.LogitMetrics;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.WeightIO;
import io.adamerge.train.PixelNormalization;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a zoo from a pretrained backbone: a frozen linear-probe head per task, a fully fine-tuned model per task and
 * a multi-task model, each with its card. Every result is cached: it is rebuilt only when its card is missing or its
 * key (a hash of the backbone's bytes, the recipe sections it depends on, the seed, the task and the data seed)
 * differs, so a second build of the same zoo only reads cards.
 */
public final class ZooBuilder {
    /** Part of every cache key: bump when a stage computes something different for the same recipe. */
    static final String CODE_VERSION = "zoo-1";

    private final ZooRecipe recipe;
    private final long seed;
    private final ZooData data;
    private final PrintWriter log;

    public ZooBuilder(ZooRecipe recipe, long seed, ZooData data, PrintWriter log) {
        this.recipe = recipe;
        this.seed = seed;
        this.data = data;
        this.log = log;
    }

    /** What a build did: per stage whether it was cached, and the time it took. */
    public record Summary(Path zoo, ZooManifest manifest, List<String> built, List<String> cached, double seconds) {
    }

    public Summary build(Path backbone, Path out) {
        long start = System.nanoTime();
        List<String> built = new ArrayList<>();
        List<String> cached = new ArrayList<>();
        VitConfig expected = recipe.architecture().toConfig();
        Path backboneWeights = backbone.resolve(WeightIO.HF_WEIGHTS);
        if (!Files.isRegularFile(backboneWeights)) {
            throw new CheckpointException(backbone + ": no " + WeightIO.HF_WEIGHTS + " here; build the backbone first with "
                    + "'adamerge zoo pretrain --out " + backbone + "' or give --backbone DIR");
        }
        String backboneSha = ZooFiles.sha256(backboneWeights);
        ZooFiles.readCard(backbone.resolve(ZooFiles.CARD)).ifPresent(card -> {
            if (card.key() != null && !card.key().equals(Backbones.key(recipe, card.seed()))) {
                log.println("note: the backbone in " + backbone + " was pretrained with another recipe than this one "
                        + "(its card's key " + card.key() + "); 'adamerge zoo pretrain' with this recipe makes a matching one");
            }
        });
        Map<String, String> headKeys = new LinkedHashMap<>();
        recipe.tasks().forEach(t -> headKeys.put(t, headKey(t, backboneSha)));
        Optional<ZooManifest> current = upToDate(out, backboneSha, headKeys);
        if (current.isPresent()) {
            // nothing to do: answer from the cards alone, without starting the engine or loading data
            List<String> all = new ArrayList<>(List.of("pretrained"));
            recipe.tasks().forEach(t -> all.add("head " + t));
            recipe.tasks().forEach(t -> all.add("finetune " + t));
            all.add("multitask");
            return new Summary(out, current.get(), List.of(), all, (System.nanoTime() - start) / 1e9);
        }
        try (NDManager manager = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded loaded = ClipVisionModel.load(backbone, null, manager);
            if (!loaded.model().config().equals(expected)) {
                throw new CheckpointException(backbone + ": the backbone is " + loaded.model().config() + " but the recipe asks for "
                        + expected + "; pretrain one with this recipe ('adamerge zoo pretrain')");
            }
            Map<String, NDArray> pretrained = loaded.weights();
            ClipVisionModel model = loaded.model();
            PixelNormalization pixels = recipe.pixels().normalization();
            Evaluator evaluator = new Evaluator(model, pixels, recipe.evaluation().batch());

            copyBackbone(backbone, out.resolve(ZooFiles.PRETRAINED), backboneSha, built, cached);

            // heads
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            for (String task : recipe.tasks()) {
                Path dir = out.resolve(task);
                String key = headKeys.get(task);
                if (ZooFiles.cached(dir.resolve(ZooFiles.HEAD_CARD), key).isPresent()) {
                    cached.add("head " + task);
                } else {
                    fitHead(task, dir, key, backboneSha, pretrained, evaluator, manager);
                    built.add("head " + task);
                }
                heads.put(task, ClassificationHead.load(dir.resolve(ZooFiles.HEAD), manager));
            }

            // individual fine-tuning
            FineTuner tuner = new FineTuner(model, pixels);
            for (String task : recipe.tasks()) {
                Path dir = out.resolve(task);
                String key = finetuneKey(task, headKeys.get(task));
                if (ZooFiles.cached(dir.resolve(ZooFiles.CARD), key).isPresent()) {
                    cached.add("finetune " + task);
                    continue;
                }
                long t0 = System.nanoTime();
                try (NDManager m = manager.newSubManager()) {
                    ImageDataset train = data.train(task);
                    FineTuner.Result r = tuner.individual(pretrained, heads.get(task), train, recipe.finetuning(),
                            Seeds.derive(seed, "finetune", task), m, "fine-tune " + task);
                    Map<String, Double> acc = new LinkedHashMap<>();
                    TaskMetrics val = evaluator.evaluate(task, r.weights(), heads.get(task), data.validation(task),
                            recipe.evaluation().validationImages(), m);
                    TaskMetrics test = evaluator.evaluate(task, r.weights(), heads.get(task), data.test(task),
                            recipe.evaluation().testImages(), m);
                    acc.put("validation", round(val.accuracy()));
                    acc.put("test", round(test.accuracy()));
                    WeightIO.save(r.weights(), dir, model.config(), Map.of("task", task, "kind", "finetuned"));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    ModelCard card = new ModelCard("finetuned", task, null,
                            List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS, ZooFiles.HEAD), key, recipe.hash(), seed,
                            List.of(use(task, train.size(), recipe.finetuning().trainImages(), val.images(), test.images())), acc,
                            ModelCard.TrainingLog.of(r.losses(), recipe.finetuning().batch(), describe(recipe.finetuning().optimizer())),
                            Map.of("finetuning", recipe.finetuning()), backboneSha, Instant.now().toString(), round(seconds));
                    ZooFiles.writeJson(dir.resolve(ZooFiles.CARD), card);
                    log.printf(Locale.ROOT, "fine-tuned %s: validation %.1f%%, test %.1f%% (%.0f s)%n", task, val.accuracy(),
                            test.accuracy(), seconds);
                }
                built.add("finetune " + task);
            }

            // multi-task model
            Path mtlDir = out.resolve(ZooFiles.MULTITASK);
            String mtlKey = multitaskKey(headKeys);
            if (ZooFiles.cached(mtlDir.resolve(ZooFiles.CARD), mtlKey).isPresent()) {
                cached.add("multitask");
            } else {
                long t0 = System.nanoTime();
                try (NDManager m = manager.newSubManager()) {
                    List<ImageDataset> trains = recipe.tasks().stream().map(data::train).toList();
                    FineTuner.Result r = tuner.multitask(pretrained, recipe.tasks().stream().map(heads::get).toList(), trains,
                            recipe.multitask(), Seeds.derive(seed, "multitask"), m, "multi-task");
                    Map<String, Double> acc = new LinkedHashMap<>();
                    List<ModelCard.DataUse> uses = new ArrayList<>();
                    double sum = 0;
                    for (String task : recipe.tasks()) {
                        TaskMetrics test = evaluator.evaluate(task, r.weights(), heads.get(task), data.test(task),
                                recipe.evaluation().testImages(), m);
                        acc.put("test/" + task, round(test.accuracy()));
                        sum += test.accuracy();
                        uses.add(use(task, data.train(task).size(), recipe.multitask().trainImages(), 0, test.images()));
                    }
                    acc.put("test/average", round(sum / recipe.tasks().size()));
                    WeightIO.save(r.weights(), mtlDir, model.config(), Map.of("kind", "multitask"));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    ModelCard card = new ModelCard("multitask", null, recipe.tasks(), List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS),
                            mtlKey, recipe.hash(), seed, uses, acc,
                            ModelCard.TrainingLog.of(r.losses(), recipe.multitask().batch(), describe(recipe.multitask().optimizer())),
                            Map.of("multitask", recipe.multitask()), backboneSha, Instant.now().toString(), round(seconds));
                    ZooFiles.writeJson(mtlDir.resolve(ZooFiles.CARD), card);
                    log.printf(Locale.ROOT, "multi-task model: average test %.1f%% (%.0f s)%n", sum / recipe.tasks().size(), seconds);
                }
                built.add("multitask");
            }

            List<ZooManifest.TaskEntry> entries = recipe.tasks().stream().map(t -> new ZooManifest.TaskEntry(t,
                    data.classNames(t), t, t + "/" + ZooFiles.HEAD)).toList();
            double seconds = (System.nanoTime() - start) / 1e9;
            ZooManifest manifest = new ZooManifest(ZooManifest.VERSION, recipe.hash(), seed, recipe, backboneSha,
                    ZooFiles.PRETRAINED, ZooFiles.MULTITASK, entries, Instant.now().toString(), round(seconds));
            Optional<ZooManifest> previous = Zoo.readManifest(out);
            if (!built.isEmpty() || previous.isEmpty() || !sameContent(previous.get(), manifest)) {
                ZooFiles.writeString(out.resolve(ZooFiles.RECIPE), recipe.toYaml());
                ZooFiles.writeJson(out.resolve(ZooFiles.MANIFEST), manifest);
            } else {
                manifest = previous.get();
            }
            return new Summary(out, manifest, built, cached, seconds);
        }
    }

    private String headKey(String task, String backboneSha) {
        String key = ZooRecipe.hash(CODE_VERSION, "head", backboneSha, recipe.architecture(), recipe.pixels(), recipe.probe(), task,
                recipe.dataSeed(), recipe.evaluation());
        // another GEMM path rounds differently; the fine-tuned and multi-task keys build on this one
        String gemm = TorchRuntime.gemmPath().cacheTag();
        return gemm.isEmpty() ? key : ZooRecipe.hash(key, gemm);
    }

    private String finetuneKey(String task, String headKey) {
        return ZooRecipe.hash(CODE_VERSION, "finetuned", headKey, recipe.finetuning(), seed, task, recipe.evaluation());
    }

    private String multitaskKey(Map<String, String> headKeys) {
        return ZooRecipe.hash(CODE_VERSION, "multitask", headKeys.values(), recipe.multitask(), seed, recipe.evaluation());
    }

    /** The manifest of {@code out} when it and every card there are current for this recipe, seed and backbone. */
    private Optional<ZooManifest> upToDate(Path out, String backboneSha, Map<String, String> headKeys) {
        Optional<ZooManifest> manifest = Zoo.readManifest(out)
                .filter(m -> m.recipeHash().equals(recipe.hash()) && m.seed() == seed && m.backboneSha256().equals(backboneSha));
        if (manifest.isEmpty() || !backboneCopyCurrent(out.resolve(ZooFiles.PRETRAINED), backboneSha)
                || ZooFiles.cached(out.resolve(ZooFiles.MULTITASK).resolve(ZooFiles.CARD), multitaskKey(headKeys)).isEmpty()) {
            return Optional.empty();
        }
        for (String task : recipe.tasks()) {
            if (ZooFiles.cached(out.resolve(task).resolve(ZooFiles.HEAD_CARD), headKeys.get(task)).isEmpty()
                    || ZooFiles.cached(out.resolve(task).resolve(ZooFiles.CARD), finetuneKey(task, headKeys.get(task))).isEmpty()) {
                return Optional.empty();
            }
        }
        return manifest;
    }

    private static boolean backboneCopyCurrent(Path target, String sha) {
        Path weights = target.resolve(WeightIO.HF_WEIGHTS);
        return Files.isRegularFile(weights) && Files.isRegularFile(target.resolve(ZooFiles.CARD))
                && Files.isRegularFile(target.resolve(WeightIO.HF_CONFIG)) && ZooFiles.sha256(weights).equals(sha);
    }

    private static boolean sameContent(ZooManifest a, ZooManifest b) {
        return a.recipeHash().equals(b.recipeHash()) && a.seed() == b.seed() && a.backboneSha256().equals(b.backboneSha256())
                && a.tasks().equals(b.tasks());
    }

    private void fitHead(String task, Path dir, String key, String backboneSha, Map<String, NDArray> pretrained, Evaluator evaluator,
                         NDManager manager) {
        long t0 = System.nanoTime();
        try (NDManager m = manager.newSubManager()) {
            ImageDataset train = ZooData.firstImages(data.train(task), recipe.probe().trainImages());
            int dim = recipe.architecture().toConfig().embeddingDim();
            float[] emb = evaluator.embeddings(pretrained, train, 0, m);
            ProbeFitter.Probe probe = ProbeFitter.fit(emb, dim, train.labels(), train.numClasses(), recipe.probe(), m);
            Path headFile = dir.resolve(ZooFiles.HEAD);
            writeHead(headFile, probe, task, data.classNames(task));
            ClassificationHead head = ClassificationHead.load(headFile, m);
            // train accuracy from the embeddings already computed, instead of a second pass through the tower
            LogitMetrics fit = new LogitMetrics();
            fit.add(head.logits(m.create(emb, new Shape(train.size(), dim))).toFloatArray(), head.numClasses(),
                    train.labels());
            TaskMetrics trainAcc = fit.result(task);
            TaskMetrics val = evaluator.evaluate(task, pretrained, head, data.validation(task), recipe.evaluation().validationImages(), m);
            TaskMetrics test = evaluator.evaluate(task, pretrained, head, data.test(task), recipe.evaluation().testImages(), m);
            Map<String, Double> acc = new LinkedHashMap<>();
            acc.put("train", round(trainAcc.accuracy()));
            acc.put("validation", round(val.accuracy()));
            acc.put("test", round(test.accuracy()));
            double seconds = (System.nanoTime() - t0) / 1e9;
            float[] losses = {probe.finalLoss()};
            ModelCard card = new ModelCard("head", task, null, List.of(ZooFiles.HEAD), key, recipe.hash(), seed,
                    List.of(use(task, train.size(), 0, val.images(), test.images())), acc,
                    new ModelCard.TrainingLog(recipe.probe().iterations(), train.size(),
                            String.format(Locale.ROOT, "full-batch Adam, one-cycle lr %.3g, l2 %.3g", recipe.probe().lr(), recipe.probe().l2()),
                            null, ModelCard.TrainingLog.round(probe.finalLoss()), null),
                    Map.of("probe", recipe.probe()), backboneSha, Instant.now().toString(), round(seconds));
            ZooFiles.writeJson(dir.resolve(ZooFiles.HEAD_CARD), card);
            log.printf(Locale.ROOT, "head %s: linear probe train %.1f%%, validation %.1f%%, test %.1f%% (%.1f s)%n", task,
                    trainAcc.accuracy(), val.accuracy(), test.accuracy(), seconds);
        }
    }

    static void writeHead(Path file, ProbeFitter.Probe probe, String task, List<String> classes) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put(ClassificationHead.WEIGHT, probe.weightTensor());
        tensors.put(ClassificationHead.BIAS, probe.biasTensor());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ClassificationHead.NORMALIZE, "true");
        meta.put("task", task);
        try {
            meta.put("classes", ZooFiles.JSON.writeValueAsString(classes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        meta.put("note", "logits = normalize(embedding) @ weight.T + bias; the probe's logit scale is folded into weight");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(file.getParent() + ": cannot create (" + e.getMessage() + ")", e);
        }
        SafetensorsWriter.write(file, tensors, meta);
    }

    private void copyBackbone(Path backbone, Path target, String sha, List<String> built, List<String> cached) {
        Path card = target.resolve(ZooFiles.CARD);
        if (backboneCopyCurrent(target, sha)) {
            cached.add("pretrained");
            return;
        }
        try {
            Files.createDirectories(target);
            Files.deleteIfExists(card); // the card goes last: a copy cut short is never taken for a complete one
            for (String f : List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS)) {
                copyAtomically(backbone.resolve(f), target.resolve(f));
            }
            ZooFiles.writePreprocessor(target, recipe.architecture(), recipe.pixels());
            Path sourceCard = backbone.resolve(ZooFiles.CARD);
            if (Files.isRegularFile(sourceCard)) {
                copyAtomically(sourceCard, card);
            } else {
                ZooFiles.writeJson(card, new ModelCard("pretrained", null, null, List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS),
                        sha, null, seed, null, null, null, null, sha, Instant.now().toString(), 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot copy the backbone (" + e.getMessage() + ")", e);
        }
        built.add("pretrained");
    }

    static void copyAtomically(Path from, Path to) throws IOException {
        try {
            io.adamerge.io.AtomicFiles.copy(from, to);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private ModelCard.DataUse use(String task, int trainSize, int trainLimit, int validation, int test) {
        int train = trainLimit > 0 ? Math.min(trainLimit, trainSize) : trainSize;
        return new ModelCard.DataUse(task, recipe.dataSeed(), data.spec().toString(), train, validation, test);
    }

    static String describe(ZooRecipe.Optimizer o) {
        return String.format(Locale.ROOT, "AdamW lr %.3g (%s), weight decay %.3g", o.lr(), o.schedule(), o.weightDecay());
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
