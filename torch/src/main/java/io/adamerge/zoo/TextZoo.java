package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.text.TextDataset;
import io.adamerge.eval.LogitMetrics;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import io.adamerge.model.ModelFamily;
import io.adamerge.model.bert.BertFamily;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.onnx.BertImportWriter;
import io.adamerge.train.AdamW;
import io.adamerge.train.Losses;
import io.adamerge.train.TrainingLoop;
import io.adamerge.train.WeightMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A built text zoo on disk ({@link TextZooBuilder}): the pretrained sentence encoder, per task a fine-tuned encoder
 * and its frozen zero-shot head, and the multi-task encoder, each a Hugging Face BERT directory (loadable by
 * {@code adamerge embed}). Also the text side of training and evaluation: batches of tokenised texts for any
 * {@link Encoder} of the BERT family.
 */
public final class TextZoo {
    /** The manifest of a text zoo: what it was built from and its tasks (their classes). */
    public record Manifest(int version, String recipeHash, long seed, TextZooRecipe recipe, String pretrainedSha256,
                           List<String> tasks, String created, double seconds) {
    }

    public static final String MANIFEST = "zoo-text.json";

    private final Path root;
    private final Manifest manifest;
    /** Whether the fine-tuned models are the LoRA adapters ({@link #loraPool()}) rather than the full fine-tunes. */
    private final boolean lora;

    private TextZoo(Path root, Manifest manifest, boolean lora) {
        this.root = root;
        this.manifest = manifest;
        this.lora = lora;
    }

    public static TextZoo open(Path dir) {
        Manifest m = readManifest(dir).orElseThrow(() -> new CheckpointException(dir + ": no text zoo here (" + MANIFEST
                + " is missing or unreadable); build one with 'adamerge zoo build --benchmark text --out " + dir + "'"));
        return new TextZoo(dir, m, false);
    }

    static Optional<Manifest> readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZooFiles.JSON.readValue(file.toFile(), Manifest.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public Path root() {
        return root;
    }

    public Manifest manifest() {
        return manifest;
    }

    public TextZooRecipe recipe() {
        return manifest.recipe();
    }

    public List<String> tasks() {
        return manifest.tasks();
    }

    public Path pretrainedDir() {
        return root.resolve(ZooFiles.PRETRAINED);
    }

    public Path multitaskDir() {
        return root.resolve(ZooFiles.MULTITASK);
    }

    public Path modelDir(String task) {
        if (!tasks().contains(task)) {
            throw new IllegalArgumentException("the text zoo in " + root + " has no task '" + task + "'; it has " + tasks());
        }
        return root.resolve(task);
    }

    /** The task's LoRA adapter folder (PEFT layout), {@code <zoo>/lora/<task>}. */
    public Path loraDir(String task) {
        modelDir(task);
        return root.resolve(TextZooBuilder.LORA).resolve(task);
    }

    /**
     * The same zoo with its LoRA adapters as the fine-tuned models (pretrained model, heads, splits and multi-task model
     * unchanged): each task's model is the pretrained encoder with (alpha / r)·B·A added to the adapted matrices, read
     * through {@link io.adamerge.checkpoint.peft.PeftAdapter} as {@code adamerge merge} reads an adapter. Its manifest's
     * recipe hash also covers the adapters' cache keys, so tables cached on the full pool are never served for this one.
     */
    public TextZoo loraPool() {
        if (lora) {
            return this;
        }
        List<String> keys = new ArrayList<>();
        for (String t : tasks()) {
            Path card = loraDir(t).resolve(ZooFiles.CARD);
            keys.add(ZooFiles.readCard(card).map(ModelCard::key).orElseThrow(() -> new CheckpointException(root + ": no LoRA adapter for task '"
                    + t + "' (" + card + " is missing); build the zoo with a recipe that has a 'lora:' section "
                    + "('adamerge zoo build --benchmark text --recipe FILE')")));
        }
        Manifest m = manifest;
        return new TextZoo(root, new Manifest(m.version(), ZooRecipe.hash("lora-pool", m.recipeHash(), keys), m.seed(), m.recipe(),
                m.pretrainedSha256(), m.tasks(), m.created(), m.seconds()), true);
    }

    /** Whether the fine-tuned models of {@link #models()} are the LoRA adapters. */
    public boolean isLoraPool() {
        return lora;
    }

    /** The fine-tuned weights of a task: the full fine-tune, or on the LoRA pool the pretrained weights with the adapter's update. */
    public Map<String, NDArray> finetunedWeights(String task, NDManager manager) {
        if (!lora) {
            return load(modelDir(task), manager).weights();
        }
        try (io.adamerge.checkpoint.Checkpoint adapted = io.adamerge.taskvector.ModelSet.openModel(loraDir(task), pretrainedDir())) {
            return io.adamerge.model.WeightIO.loadFloatTensors(adapted, manager, name -> !name.startsWith("pooler."));
        }
    }

    public Path headFile(String task) {
        return modelDir(task).resolve(ZooFiles.HEAD);
    }

    /** A model directory of this zoo (or any BERT directory): its encoder and weights on {@code manager}. */
    public static ModelFamily.Loaded load(Path modelDir, NDManager manager) {
        return BertFamily.INSTANCE.load(modelDir, null, manager);
    }

    /** The zoo's pretrained, fine-tuned and multi-task BERT encoders and its heads, as a {@link io.adamerge.eval.ModelPool}'s source. */
    public io.adamerge.eval.ModelPool.Source models() {
        TextZoo zoo = this;
        return new io.adamerge.eval.ModelPool.Source() {
            @Override
            public String root() {
                return zoo.root().toString() + (zoo.lora ? " (LoRA adapters)" : "");
            }

            @Override
            public List<String> tasks() {
                return zoo.tasks();
            }

            @Override
            public ModelFamily.Loaded pretrained(NDManager m) {
                return load(zoo.pretrainedDir(), m);
            }

            @Override
            public Map<String, NDArray> finetuned(String task, NDManager m) {
                return zoo.finetunedWeights(task, m);
            }

            @Override
            public ClassificationHead head(String task, NDManager m) {
                return ClassificationHead.load(zoo.headFile(task), m);
            }

            @Override
            public Map<String, NDArray> multitask(NDManager m) {
                return load(zoo.multitaskDir(), m).weights();
            }
        };
    }

    /**
     * Minimises the summed cross-entropy of frozen heads over {@code params} with AdamW: each step draws {@code batch} texts
     * per task (with replacement) and embeds them, in one forward pass, with the weights {@code forward} builds from
     * {@code params} on the step's manager (the trained weights themselves for a full fine-tune, frozen weights plus
     * low-rank updates for LoRA). Returns each step's loss.
     */
    static float[] train(Encoder encoder, BertTokenizer tokenizer, List<ClassificationHead> heads, List<TextDataset> trains,
                         ZooRecipe.Training recipe, long seed, NDManager manager, String label, Map<String, NDArray> params,
                         java.util.function.Function<NDManager, Map<String, NDArray>> forward) {
        if (heads.size() != trains.size() || heads.isEmpty()) {
            throw new IllegalArgumentException(heads.size() + " heads for " + trains.size() + " tasks");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int tasks = trains.size();
        TrainingLoop.Objective objective = (step, batch) -> {
            List<String> texts = new ArrayList<>(tasks * recipe.batch());
            int[][] labels = new int[tasks][recipe.batch()];
            for (int t = 0; t < tasks; t++) {
                TextDataset d = trains.get(t);
                for (int i = 0; i < recipe.batch(); i++) {
                    int j = rng.nextInt(d.size());
                    texts.add(d.text(j));
                    labels[t][i] = d.label(j);
                }
            }
            NDArray emb = encoder.embed(forward.apply(batch), tokenizer.encode(texts, batch));
            return Losses.summedOverTasks(emb, heads, labels, batch);
        };
        try (AdamW adam = AdamW.create(manager, recipe.optimizer().weightDecay())) {
            return TrainingLoop.run(label, params, recipe.steps(), adam, recipe.optimizer().schedule(recipe.steps()), objective, manager);
        }
    }

    /** The tokenizer of the zoo's models, truncating to the recipe's token cap. */
    public BertTokenizer tokenizer() {
        return tokenizer(pretrainedDir(), recipe().maxTokens());
    }

    static BertTokenizer tokenizer(Path modelDir, int maxTokens) {
        return BertTokenizer.load(modelDir.resolve(BertImportWriter.TOKENIZER), maxTokens);
    }

    /** The first {@code limit} texts (0: all) of a split as unlabelled {@link Examples}, tokenised per batch. */
    public static Examples examples(String source, TextDataset data, int limit, BertTokenizer tokenizer) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        return new io.adamerge.merge.data.TaskTexts(source, data.texts().subList(0, n), tokenizer);
    }

    /** Accuracy, entropy and cross-entropy of {@code weights} with {@code head} on the first {@code limit} texts (0: all). */
    public static TaskMetrics evaluate(String task, Encoder encoder, BertTokenizer tokenizer, Map<String, NDArray> weights,
                                       ClassificationHead head, TextDataset data, int limit, int batchSize, NDManager manager) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        LogitMetrics metrics = new LogitMetrics();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            try (NDManager scope = manager.newSubManager()) {
                Batch b = tokenizer.encode(data.texts().subList(from, to), scope);
                float[] logits = head.logits(encoder.embed(weights, b)).toFloatArray();
                int[] labels = java.util.Arrays.copyOfRange(data.labels(), from, to);
                metrics.add(logits, head.numClasses(), labels);
            }
        }
        return metrics.result(task);
    }

    /**
     * Fine-tunes every encoder weight, from {@code pretrained}, through frozen heads: each step draws {@code batch}
     * texts per task (with replacement) and minimises the sum over tasks of the mean cross-entropy, in one forward pass.
     */
    public static FineTuner.Result finetune(Encoder encoder, BertTokenizer tokenizer, Map<String, NDArray> pretrained,
                                            List<ClassificationHead> heads, List<TextDataset> trains, ZooRecipe.Training recipe,
                                            long seed, NDManager manager, String label) {
        if (heads.size() != trains.size() || heads.isEmpty()) {
            throw new IllegalArgumentException(heads.size() + " heads for " + trains.size() + " tasks");
        }
        Map<String, NDArray> params = WeightMaps.copy(pretrained, manager);
        float[] losses = train(encoder, tokenizer, heads, trains, recipe, seed, manager, label, params, batch -> params);
        params.values().forEach(w -> w.setRequiresGradient(false));
        return new FineTuner.Result(params, losses);
    }
}
