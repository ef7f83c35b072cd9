package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.text.TextDataset;
import io.adamerge.data.text.TextTask;
import io.adamerge.data.text.TextTaskSplits;
import io.adamerge.data.text.TextTasks;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.ModelFamily;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.WeightIO;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.onnx.BertImportWriter;
import io.adamerge.onnx.BertOnnxImport;
import io.adamerge.onnx.BuiltinBert;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds a text zoo ({@link TextZoo}): the pretrained encoder imported from its Maven jar, a zero-shot head per task
 * (each class's description embedded by the pretrained encoder, L2-normalised, × the recipe's logit scale; bias 0),
 * one full fine-tune per task through its frozen head, and a multi-task model. Every stage is cached under a key (the
 * code version, the pretrained weights' hash, the recipe sections it depends on, the seed, the task), like
 * {@link ZooBuilder}'s: a second build of the same zoo only reads cards.
 */
public final class TextZooBuilder {
    static final String CODE_VERSION = "text-zoo-1";
    /** The folder of the LoRA adapters: {@code <zoo>/lora/<task>/}, each a PEFT adapter folder with its card. */
    public static final String LORA = "lora";

    private final TextZooRecipe recipe;
    private final long seed;
    private final TextTasks data;
    private final PrintWriter log;
    private final Map<String, TextTaskSplits> loaded = new HashMap<>();

    public TextZooBuilder(TextZooRecipe recipe, long seed, DataDirectory dataDir, PrintWriter log) {
        this.recipe = recipe;
        this.seed = seed;
        this.data = new TextTasks(dataDir, recipe.dataSeed());
        this.log = log;
    }

    public record Summary(Path zoo, List<String> built, List<String> cached, double seconds) {
    }

    TextTaskSplits splits(String task) {
        return loaded.computeIfAbsent(task, data::load);
    }

    public Summary build(Path out) {
        long start = System.nanoTime();
        List<String> built = new ArrayList<>();
        List<String> cached = new ArrayList<>();
        Path pretrainedDir = out.resolve(ZooFiles.PRETRAINED);
        importPretrained(pretrainedDir, built, cached);
        String sha = ZooFiles.sha256(pretrainedDir.resolve(WeightIO.HF_WEIGHTS));
        Map<String, String> headKeys = new LinkedHashMap<>();
        recipe.tasks().forEach(t -> headKeys.put(t, headKey(recipe, sha, t)));
        try (NDManager manager = TorchRuntime.newManager();
             BertTokenizer tokenizer = TextZoo.tokenizer(pretrainedDir, recipe.maxTokens())) {
            ModelFamily.Loaded pre = null;
            Map<String, ClassificationHead> heads = new LinkedHashMap<>();
            for (String task : recipe.tasks()) {
                Path dir = out.resolve(task);
                String key = headKeys.get(task);
                if (ZooFiles.cached(dir.resolve(ZooFiles.HEAD_CARD), key).isPresent()) {
                    cached.add("head " + task);
                } else {
                    pre = pre != null ? pre : TextZoo.load(pretrainedDir, manager);
                    zeroShotHead(task, dir, key, sha, pre, tokenizer, manager);
                    built.add("head " + task);
                }
                heads.put(task, ClassificationHead.load(dir.resolve(ZooFiles.HEAD), manager));
            }
            for (String task : recipe.tasks()) {
                Path dir = out.resolve(task);
                String key = finetuneKey(recipe, headKeys.get(task), seed, task);
                if (ZooFiles.cached(dir.resolve(ZooFiles.CARD), key).isPresent()) {
                    cached.add("finetune " + task);
                    continue;
                }
                pre = pre != null ? pre : TextZoo.load(pretrainedDir, manager);
                train(List.of(task), List.of(heads.get(task)), recipe.finetuning(), Seeds.derive(seed, "finetune", task), "finetuned", dir,
                        key, sha, pre, tokenizer, pretrainedDir, manager);
                built.add("finetune " + task);
            }
            Path mtl = out.resolve(ZooFiles.MULTITASK);
            String mtlKey = multitaskKey(recipe, headKeys.values(), seed);
            if (ZooFiles.cached(mtl.resolve(ZooFiles.CARD), mtlKey).isPresent()) {
                cached.add("multitask");
            } else {
                pre = pre != null ? pre : TextZoo.load(pretrainedDir, manager);
                train(recipe.tasks(), recipe.tasks().stream().map(heads::get).toList(), recipe.multitask(), Seeds.derive(seed, "multitask"),
                        "multitask", mtl, mtlKey, sha, pre, tokenizer, pretrainedDir, manager);
                built.add("multitask");
            }
            if (recipe.lora() != null) {
                for (String task : recipe.tasks()) {
                    Path dir = out.resolve(LORA).resolve(task);
                    String key = loraKey(recipe, headKeys.get(task), seed, task);
                    if (ZooFiles.cached(dir.resolve(ZooFiles.CARD), key).isPresent()) {
                        cached.add("lora " + task);
                        continue;
                    }
                    pre = pre != null ? pre : TextZoo.load(pretrainedDir, manager);
                    trainLora(task, heads.get(task), dir, key, sha, pre, tokenizer, manager);
                    built.add("lora " + task);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        var previous = TextZoo.readManifest(out);
        if (!built.isEmpty() || previous.isEmpty() || !previous.get().recipeHash().equals(recipe.hash()) || previous.get().seed() != seed) {
            ZooFiles.writeString(out.resolve(ZooFiles.RECIPE), recipe.toYaml());
            ZooFiles.writeJson(out.resolve(TextZoo.MANIFEST), new TextZoo.Manifest(1, recipe.hash(), seed, recipe, sha, recipe.tasks(),
                    Instant.now().toString(), ZooBuilder.round(seconds)));
        }
        return new Summary(out, built, cached, seconds);
    }

    /** The key of a task's zero-shot head: the code version, the pretrained weights, the heads' recipe, the data it is scored on. */
    static String headKey(TextZooRecipe recipe, String pretrainedSha, String task) {
        return ZooRecipe.hash(CODE_VERSION, "head", pretrainedSha, recipe.heads(), recipe.maxTokens(), task, recipe.dataSeed(), recipe.evaluation());
    }

    /** The key of a task's full fine-tune. */
    static String finetuneKey(TextZooRecipe recipe, String headKey, long seed, String task) {
        return ZooRecipe.hash(CODE_VERSION, "finetuned", headKey, recipe.finetuning(), recipe.maxTokens(), seed, task, recipe.evaluation());
    }

    /** The key of the multi-task model. */
    static String multitaskKey(TextZooRecipe recipe, java.util.Collection<String> headKeys, long seed) {
        return ZooRecipe.hash(CODE_VERSION, "multitask", headKeys, recipe.multitask(), recipe.maxTokens(), seed, recipe.evaluation());
    }

    /** The key of a task's LoRA adapter (only the recipe's {@code lora} section enters, so the other stages' keys never move). */
    static String loraKey(TextZooRecipe recipe, String headKey, long seed, String task) {
        return ZooRecipe.hash(CODE_VERSION, "lora", headKey, recipe.lora(), recipe.maxTokens(), seed, task, recipe.evaluation());
    }

    /** Trains a task's LoRA factors through its frozen head, writes them as a PEFT adapter and its card (validation and test accuracy). */
    private void trainLora(String task, ClassificationHead head, Path dir, String key, String sha, ModelFamily.Loaded pre,
                           BertTokenizer tokenizer, NDManager manager) {
        long t0 = System.nanoTime();
        TextZooRecipe.Lora lora = recipe.lora();
        try (NDManager m = manager.newSubManager()) {
            TextTaskSplits s = splits(task);
            LoraTrainer.Result r = LoraTrainer.train(pre.encoder(), tokenizer, pre.weights(), head, s.train(), lora,
                    Seeds.derive(seed, "lora", task), m, "LoRA " + task);
            Map<String, NDArray> adapted = LoraTrainer.adapted(pre.weights(), r.factors(), lora.scale(), m);
            TaskMetrics val = TextZoo.evaluate(task, pre.encoder(), tokenizer, adapted, head, s.validation(),
                    recipe.evaluation().validationTexts(), recipe.evaluation().batch(), m);
            TaskMetrics test = TextZoo.evaluate(task, pre.encoder(), tokenizer, adapted, head, s.test(),
                    recipe.evaluation().testTexts(), recipe.evaluation().batch(), m);
            try {
                Files.createDirectories(dir);
                Files.deleteIfExists(dir.resolve(ZooFiles.CARD));
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot write (" + e.getMessage() + ")", e);
            }
            LoraTrainer.writeAdapter(dir, r.factors(), lora, recipe.model());
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> acc = new LinkedHashMap<>();
            acc.put("validation", ZooBuilder.round(val.accuracy()));
            acc.put("test", ZooBuilder.round(test.accuracy()));
            ZooFiles.writeJson(dir.resolve(ZooFiles.CARD), new ModelCard("lora", task, null,
                    List.of(io.adamerge.checkpoint.peft.LoraConfig.FILE, io.adamerge.checkpoint.peft.PeftAdapter.WEIGHTS), key, recipe.hash(),
                    seed, List.of(use(task, s.train().size(), val.images(), test.images())), acc,
                    ModelCard.TrainingLog.of(r.losses(), lora.training().batch(), ZooBuilder.describe(lora.training().optimizer())),
                    Map.of("lora", lora, "modules", r.factors().size() / 2), sha, Instant.now().toString(), ZooBuilder.round(seconds)));
            log.printf(Locale.ROOT, "lora %s: r %d, alpha %.0f, %d modules: validation %.1f%%, test %.1f%% (%.0f s)%n", task, lora.r(),
                    lora.alpha(), r.factors().size() / 2, val.accuracy(), test.accuracy(), seconds);
            log.flush();
        }
    }

    /** The builtin encoder as a Hugging Face directory, imported from its jar once (its card holds the import's key). */
    private void importPretrained(Path dir, List<String> built, List<String> cached) {
        BuiltinBert builtin = BuiltinBert.parse(recipe.model());
        String key = ZooRecipe.hash(CODE_VERSION, "pretrained", builtin.artifact());
        if (ZooFiles.cached(dir.resolve(ZooFiles.CARD), key).isPresent()) {
            cached.add("pretrained");
            return;
        }
        long t0 = System.nanoTime();
        try {
            Files.deleteIfExists(dir.resolve(ZooFiles.CARD)); // the card goes last: an import cut short is redone
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write (" + e.getMessage() + ")", e);
        }
        BertOnnxImport.Result bert = BertOnnxImport.convert(builtin.readOnnx());
        BertImportWriter.write(bert, dir, builtin.tokenizerJson(), builtin.pooling(), builtin.maxSeqLength(),
                Map.of("format", "pt", "source", builtin.artifact()), List.of());
        String sha = ZooFiles.sha256(dir.resolve(WeightIO.HF_WEIGHTS));
        double seconds = (System.nanoTime() - t0) / 1e9;
        ZooFiles.writeJson(dir.resolve(ZooFiles.CARD), new ModelCard("pretrained", null, null, List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS),
                key, null, seed, null, null, null, Map.of("model", builtin.artifact()), sha, Instant.now().toString(), ZooBuilder.round(seconds)));
        log.printf(Locale.ROOT, "imported %s from %s (%.1f s)%n", builtin.id(), builtin.artifact(), seconds);
        built.add("pretrained");
    }

    private void zeroShotHead(String task, Path dir, String key, String sha, ModelFamily.Loaded pre, BertTokenizer tokenizer,
                              NDManager manager) {
        long t0 = System.nanoTime();
        TextTask info = TextTasks.info(task);
        try (NDManager m = manager.newSubManager()) {
            NDArray emb = pre.encoder().embed(pre.weights(), tokenizer.encode(info.classDescriptions(), m));
            NDArray unit = emb.div(emb.norm(new int[] {1}, true));
            float[] w = unit.mul(recipe.heads().logitScale()).toFloatArray();
            int classes = info.numClasses();
            int dim = pre.encoder().embeddingDim();
            Files.createDirectories(dir);
            ClassificationHead.save(dir.resolve(ZooFiles.HEAD), new FloatTensor(new long[] {classes, dim}, w),
                    new FloatTensor(new long[] {classes}, new float[classes]), true);
            ClassificationHead head = ClassificationHead.load(dir.resolve(ZooFiles.HEAD), m);
            TextTaskSplits s = splits(task);
            TaskMetrics val = TextZoo.evaluate(task, pre.encoder(), tokenizer, pre.weights(), head, s.validation(),
                    recipe.evaluation().validationTexts(), recipe.evaluation().batch(), m);
            TaskMetrics test = TextZoo.evaluate(task, pre.encoder(), tokenizer, pre.weights(), head, s.test(),
                    recipe.evaluation().testTexts(), recipe.evaluation().batch(), m);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> acc = new LinkedHashMap<>();
            acc.put("validation", ZooBuilder.round(val.accuracy()));
            acc.put("test", ZooBuilder.round(test.accuracy()));
            ZooFiles.writeJson(dir.resolve(ZooFiles.HEAD_CARD), new ModelCard("head", task, null, List.of(ZooFiles.HEAD), key, recipe.hash(),
                    seed, List.of(use(task, 0, val.images(), test.images())), acc, null,
                    Map.of("heads", recipe.heads(), "classDescriptions", info.classDescriptions()), sha, Instant.now().toString(),
                    ZooBuilder.round(seconds)));
            log.printf(Locale.ROOT, "head %s: zero-shot (scale %.0f) validation %.1f%%, test %.1f%% (%.1f s)%n", task,
                    recipe.heads().logitScale(), val.accuracy(), test.accuracy(), seconds);
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private void train(List<String> tasks, List<ClassificationHead> heads, ZooRecipe.Training training, long runSeed, String kind, Path dir,
                       String key, String sha, ModelFamily.Loaded pre, BertTokenizer tokenizer, Path pretrainedDir, NDManager manager) {
        long t0 = System.nanoTime();
        Encoder encoder = pre.encoder();
        try (NDManager m = manager.newSubManager()) {
            List<TextDataset> trains = tasks.stream().map(t -> splits(t).train()).toList();
            String label = tasks.size() == 1 ? "fine-tune " + tasks.get(0) : "multi-task";
            FineTuner.Result r = TextZoo.finetune(encoder, tokenizer, pre.weights(), heads, trains, training, runSeed, m, label);
            Map<String, Double> acc = new LinkedHashMap<>();
            List<ModelCard.DataUse> uses = new ArrayList<>();
            double sum = 0;
            for (int k = 0; k < tasks.size(); k++) {
                String task = tasks.get(k);
                TextTaskSplits s = splits(task);
                TaskMetrics test = TextZoo.evaluate(task, encoder, tokenizer, r.weights(), heads.get(k), s.test(),
                        recipe.evaluation().testTexts(), recipe.evaluation().batch(), m);
                if (tasks.size() == 1) {
                    TaskMetrics val = TextZoo.evaluate(task, encoder, tokenizer, r.weights(), heads.get(k), s.validation(),
                            recipe.evaluation().validationTexts(), recipe.evaluation().batch(), m);
                    acc.put("validation", ZooBuilder.round(val.accuracy()));
                    acc.put("test", ZooBuilder.round(test.accuracy()));
                    uses.add(use(task, s.train().size(), val.images(), test.images()));
                } else {
                    acc.put("test/" + task, ZooBuilder.round(test.accuracy()));
                    uses.add(use(task, s.train().size(), 0, test.images()));
                }
                sum += test.accuracy();
            }
            if (tasks.size() > 1) {
                acc.put("test/average", ZooBuilder.round(sum / tasks.size()));
            }
            writeModel(dir, r.weights(), pretrainedDir, Map.of("kind", kind, "tasks", String.join(",", tasks)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            ZooFiles.writeJson(dir.resolve(ZooFiles.CARD), new ModelCard(kind, tasks.size() == 1 ? tasks.get(0) : null,
                    tasks.size() == 1 ? null : tasks, List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS), key, recipe.hash(), seed, uses, acc,
                    ModelCard.TrainingLog.of(r.losses(), training.batch(), ZooBuilder.describe(training.optimizer())),
                    Map.of(kind.equals("multitask") ? "multitask" : "finetuning", training), sha, Instant.now().toString(),
                    ZooBuilder.round(seconds)));
            log.printf(Locale.ROOT, "%s %s: test %.1f%% (%.0f s)%n", kind, tasks.size() == 1 ? tasks.get(0) : "(average)",
                    sum / tasks.size(), seconds);
            log.flush();
        }
    }

    /** A Hugging Face BERT directory: the pretrained one's config, tokenizer and pooling files with these weights. */
    private static void writeModel(Path dir, Map<String, NDArray> weights, Path pretrainedDir, Map<String, String> meta) {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(ZooFiles.CARD));
            try (Stream<Path> files = Files.walk(pretrainedDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = pretrainedDir.relativize(f).toString();
                    if (name.equals(WeightIO.HF_WEIGHTS) || name.equals(ZooFiles.CARD)) {
                        continue;
                    }
                    Path target = dir.resolve(name);
                    Files.createDirectories(target.getParent());
                    ZooBuilder.copyAtomically(f, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write (" + e.getMessage() + ")", e);
        }
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        weights.forEach((name, a) -> tensors.put(name, new FloatTensor(a.getShape().getShape(), a.toFloatArray())));
        Map<String, String> metadata = new LinkedHashMap<>(meta);
        metadata.put("format", "pt");
        SafetensorsWriter.write(dir.resolve(WeightIO.HF_WEIGHTS), tensors, metadata);
    }

    private ModelCard.DataUse use(String task, int train, int validation, int test) {
        return new ModelCard.DataUse(task, recipe.dataSeed(), "text, " + recipe.maxTokens() + " tokens", train, validation, test);
    }
}
