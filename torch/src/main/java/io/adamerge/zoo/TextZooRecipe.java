package io.adamerge.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.data.text.TextTasks;
import io.adamerge.onnx.BuiltinBert;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * How the text zoo is built: the pretrained sentence encoder (a model shipped in a Maven jar, imported once), the
 * tasks, zero-shot heads (the normalised embedding of each class description × a logit scale, as CLIP's), one full
 * fine-tune per task through the frozen heads and a multi-task model. {@link #defaults()} is the one place the default
 * recipe is written down; a YAML file overrides any part of it ({@link #load}).
 *
 * @param model      the builtin encoder ({@link BuiltinBert} id)
 * @param maxTokens  every text is truncated to this many tokens ([CLS] and [SEP] included), in training and evaluation
 * @param heads      the zero-shot heads
 * @param finetuning one fine-tune per task; batch = texts per step
 * @param multitask  the multi-task model; batch = texts per task and step
 * @param lora       optional: one LoRA adapter per task beside the full fine-tunes (null: none). Left out of the recipe's
 *                   JSON when null, so the default recipe's hash, and every stage key of a zoo built without it, is unchanged
 */
public record TextZooRecipe(String model, List<String> tasks, long dataSeed, int maxTokens, Heads heads, ZooRecipe.Training finetuning,
                            ZooRecipe.Training multitask, Evaluation evaluation, @JsonInclude(JsonInclude.Include.NON_NULL) Lora lora) {
    /** Zero-shot heads: logits = logitScale · cos(sentence embedding, embedding of the class description). */
    public record Heads(double logitScale) {
    }

    /** Texts per forward pass, and texts per task of the validation / test splits used (0: all). */
    public record Evaluation(int batch, int validationTexts, int testTexts) {
    }

    /**
     * LoRA fine-tuning (Hu et al. 2021, in PEFT's form): per target {@code nn.Linear} W, ΔW = (alpha / r)·B·A with A [r, in]
     * (Kaiming-uniform, as PEFT initialises it) and B [out, r] (zero), trained through the task's frozen zero-shot head
     * while every encoder weight stays frozen; written as a PEFT adapter.
     *
     * @param r             the rank
     * @param alpha         PEFT's {@code lora_alpha}
     * @param targetModules PEFT's {@code target_modules} list: a module is adapted when its name is, or ends with "." +, one of them
     * @param training      steps, texts per step and the AdamW optimiser of the factors
     */
    public record Lora(int r, double alpha, List<String> targetModules, ZooRecipe.Training training) {
        public Lora {
            targetModules = List.copyOf(targetModules);
            if (r < 1) {
                throw new IllegalArgumentException("lora.r must be >= 1, got " + r);
            }
            if (!(alpha > 0) || !Double.isFinite(alpha)) {
                throw new IllegalArgumentException("lora.alpha must be a finite number > 0, got " + alpha);
            }
            if (targetModules.isEmpty() || targetModules.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("lora.targetModules must name at least one module, got " + targetModules);
            }
            if (training.steps() < 1 || training.batch() < 1) {
                throw new IllegalArgumentException("lora.training steps and batch must be >= 1, got " + training.steps() + " and "
                        + training.batch());
            }
        }

        /**
         * What a recipe's {@code lora:} section starts from: rank 8, alpha 16 (scale 2), every {@code nn.Linear} of the BERT
         * encoder (query, key, value and the three {@code dense} layers: attention output, intermediate, output — PEFT's
         * {@code "all-linear"} on this model, as QLoRA recommends to approach full fine-tuning), 100 AdamW steps of 32 texts, lr
         * 1e-3, no weight decay, constant.
         */
        public static Lora defaults() {
            return new Lora(8, 16, List.of("query", "key", "value", "dense"),
                    new ZooRecipe.Training(100, 32, new ZooRecipe.Optimizer(1e-3, 0.0, "constant", 0.0, 0.9), 0));
        }

        /** PEFT's scaling of B·A. */
        public double scale() {
            return alpha / r;
        }
    }

    public TextZooRecipe {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("a text zoo needs at least one task");
        }
        tasks.forEach(TextTasks::info); // unknown names fail here, listing the known ones
        if (tasks.stream().distinct().count() != tasks.size()) {
            throw new IllegalArgumentException("tasks are listed twice: " + tasks);
        }
        BuiltinBert.parse(model);
        if (maxTokens < 3) {
            throw new IllegalArgumentException("maxTokens must be >= 3 ([CLS], a token, [SEP]), got " + maxTokens);
        }
        if (!(heads.logitScale() > 0)) {
            throw new IllegalArgumentException("heads.logitScale must be > 0, got " + heads.logitScale());
        }
        if (evaluation.batch() < 1 || evaluation.validationTexts() < 0 || evaluation.testTexts() < 0) {
            throw new IllegalArgumentException("evaluation batch must be >= 1 and text counts >= 0 (0: all)");
        }
    }

    /**
     * The default recipe: all-MiniLM-L6-v2, the eight benchmark tasks, 32 tokens, logit scale 30, per task 100 AdamW
     * steps of 32 texts (lr 5e-5, weight decay 0.01, constant), a multi-task model of 100 steps × 8 texts per task,
     * the whole validation and test splits. (The prototype of issue #11 measured this fine-tuning budget.)
     */
    public static TextZooRecipe defaults() {
        ZooRecipe.Optimizer adamw = new ZooRecipe.Optimizer(5e-5, 0.01, "constant", 0.0, 0.9);
        return new TextZooRecipe("all-minilm-l6-v2", TextTasks.benchmark().stream().map(t -> t.name()).toList(), TextTasks.DEFAULT_SEED,
                32, new Heads(30), new ZooRecipe.Training(100, 32, adamw, 0), new ZooRecipe.Training(100, 8, adamw, 0),
                new Evaluation(64, 0, 0), null);
    }

    /** A tiny recipe for tests and smoke runs: two tasks, 12 tokens, two fine-tuning steps of 4 texts, 16 texts to score. */
    public TextZooRecipe quick() {
        ZooRecipe.Training ft = new ZooRecipe.Training(2, 4, finetuning.optimizer(), 0);
        ZooRecipe.Training mt = new ZooRecipe.Training(1, 2, multitask.optimizer(), 0);
        Lora quickLora = lora == null ? null : new Lora(lora.r(), lora.alpha(), lora.targetModules(),
                new ZooRecipe.Training(2, 4, lora.training().optimizer(), 0));
        return new TextZooRecipe(model, List.of("fortunes", "spam"), dataSeed, 12, heads, ft, mt, new Evaluation(16, 16, 16), quickLora);
    }

    /** The default recipe with the overrides of a YAML (or JSON) file. */
    public static TextZooRecipe load(Path file) {
        JsonNode overrides;
        try {
            overrides = ZooRecipe.YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable YAML recipe (" + e.getMessage() + ")", e);
        }
        try {
            return withOverrides(overrides);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The default recipe with the overrides of a YAML document. */
    public static TextZooRecipe parse(String yaml) {
        try {
            return withOverrides(ZooRecipe.YAML.readTree(yaml));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a readable YAML recipe (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static TextZooRecipe withOverrides(JsonNode overrides) {
        ObjectNode base = ZooRecipe.JSON.valueToTree(defaults());
        if (overrides != null && !overrides.isNull() && !overrides.isMissingNode()) {
            if (!overrides.isObject()) {
                throw new IllegalArgumentException("a recipe is a mapping of sections, got " + overrides.getNodeType());
            }
            if (overrides.has("lora") && overrides.get("lora").isObject()) {
                base.set("lora", ZooRecipe.JSON.valueToTree(Lora.defaults())); // the optional section starts from its defaults
            }
            merge(base, (ObjectNode) overrides, "");
        }
        try {
            return ZooRecipe.JSON.treeToValue(base, TextZooRecipe.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad recipe (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static void merge(ObjectNode into, ObjectNode from, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path + e.getKey();
            if (!into.has(e.getKey())) {
                throw new IllegalArgumentException("unknown recipe key '" + key + "'");
            }
            JsonNode current = into.get(e.getKey());
            if (current.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) current, (ObjectNode) e.getValue(), key + ".");
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    public String toYaml() {
        try {
            return ZooRecipe.YAML.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String hash() {
        return ZooRecipe.hash(this);
    }
}
