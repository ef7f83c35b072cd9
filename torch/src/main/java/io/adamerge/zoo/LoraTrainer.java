package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.peft.LoraConfig;
import io.adamerge.checkpoint.peft.PeftAdapter;
import io.adamerge.data.text.TextDataset;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.bert.BertTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA fine-tuning of a text encoder through a frozen head, as PEFT does it: for every target {@code nn.Linear} W [out, in]
 * two factors A [r, in] (Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), PEFT's {@code init_lora_weights=True}) and
 * B [out, r] (zero), the forward pass uses W + (alpha / r)·B·A with W frozen, and only A and B are trained (AdamW, the
 * gradient flowing through DJL's autograd). The factors are written as a PEFT adapter folder that
 * {@link PeftAdapter} (and PEFT's {@code PeftModel.from_pretrained}) reads back.
 */
public final class LoraTrainer {
    static final String A = ".lora_A.weight";
    static final String B = ".lora_B.weight";

    private LoraTrainer() {
    }

    /**
     * The trained factors, keyed {@code <module>.lora_A.weight} [r, in] and {@code <module>.lora_B.weight} [out, r] (module
     * order), and each step's loss.
     */
    public record Result(Map<String, NDArray> factors, float[] losses) {
    }

    /**
     * The modules of {@code weights} a LoRA with these targets adapts: each 2-D {@code <module>.weight} whose module name is,
     * or ends with "." +, a target (PEFT's matching of a {@code target_modules} list), in the weights' order.
     */
    public static List<String> modules(Map<String, NDArray> weights, List<String> targetModules) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(".weight") || e.getValue().getShape().dimension() != 2) {
                continue;
            }
            String module = name.substring(0, name.length() - ".weight".length());
            if (targetModules.stream().anyMatch(t -> module.equals(t) || module.endsWith("." + t))) {
                out.add(module);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("lora.targetModules " + targetModules + " match no 2-D weight of the encoder");
        }
        return out;
    }

    /** PEFT's initial factors: A ~ U(−1/√in, 1/√in) drawn from {@code seed} in module order, B = 0. */
    static Map<String, NDArray> initialFactors(Map<String, NDArray> pretrained, List<String> modules, int r, long seed, NDManager manager) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NDArray> factors = new LinkedHashMap<>();
        for (String module : modules) {
            long[] shape = pretrained.get(module + ".weight").getShape().getShape(); // [out, in]
            int in = Math.toIntExact(shape[1]);
            double bound = 1.0 / Math.sqrt(in);
            float[] a = new float[r * in];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            factors.put(module + A, manager.create(a, new Shape(r, in)));
            factors.put(module + B, manager.zeros(new Shape(shape[0], r)));
        }
        return factors;
    }

    /** Trains the factors of one task's LoRA from PEFT's initialisation, every encoder weight and the head frozen. */
    public static Result train(Encoder encoder, BertTokenizer tokenizer, Map<String, NDArray> pretrained, ClassificationHead head,
                               TextDataset train, TextZooRecipe.Lora lora, long seed, NDManager manager, String label) {
        List<String> modules = modules(pretrained, lora.targetModules());
        Map<String, NDArray> factors = initialFactors(pretrained, modules, lora.r(), seed, manager);
        float[] losses = TextZoo.train(encoder, tokenizer, List.of(head), List.of(train), lora.training(), Seeds.derive(seed, "batches"), manager,
                label, factors, batch -> adapted(pretrained, factors, lora.scale(), batch));
        factors.values().forEach(f -> f.setRequiresGradient(false));
        return new Result(factors, losses);
    }

    /**
     * The adapted weights: {@code pretrained} with W + scale·B·A for every module that has factors (new arrays on
     * {@code manager}; the other entries are {@code pretrained}'s own arrays). Differentiable in the factors.
     */
    public static Map<String, NDArray> adapted(Map<String, NDArray> pretrained, Map<String, NDArray> factors, double scale,
                                               NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>(pretrained);
        for (Map.Entry<String, NDArray> e : factors.entrySet()) {
            if (!e.getKey().endsWith(A)) {
                continue;
            }
            String module = e.getKey().substring(0, e.getKey().length() - A.length());
            NDArray ba = factors.get(module + B).dot(e.getValue());
            ba.attach(manager); // every intermediate lives on the step's manager, not on the factors'
            NDArray scaled = ba.mul(scale);
            NDArray w = scaled.add(pretrained.get(module + ".weight"));
            out.put(module + ".weight", w);
        }
        return out;
    }

    /**
     * Writes the factors as a PEFT adapter folder: {@code adapter_config.json} (PEFT's LoRA fields) and
     * {@code adapter_model.safetensors} with {@code base_model.model.<module>.lora_A.weight} [r, in] and
     * {@code ….lora_B.weight} [out, r], each file through a temporary file renamed into place.
     */
    public static void writeAdapter(Path dir, Map<String, NDArray> factors, TextZooRecipe.Lora lora, String baseModel) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        factors.forEach((name, a) -> tensors.put("base_model.model." + name, new FloatTensor(a.getShape().getShape(), a.toFloatArray())));
        SafetensorsWriter.write(dir.resolve(PeftAdapter.WEIGHTS), tensors, Map.of("format", "pt"));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("peft_type", "LORA");
        config.put("task_type", "FEATURE_EXTRACTION");
        config.put("base_model_name_or_path", baseModel);
        config.put("r", lora.r());
        config.put("lora_alpha", lora.alpha());
        config.put("lora_dropout", 0.0);
        config.put("target_modules", lora.targetModules());
        config.put("bias", "none");
        config.put("fan_in_fan_out", false);
        config.put("use_rslora", false);
        config.put("use_dora", false);
        config.put("init_lora_weights", true);
        config.put("modules_to_save", null);
        config.put("rank_pattern", Map.of());
        config.put("alpha_pattern", Map.of());
        config.put("inference_mode", true);
        ZooFiles.writeJson(dir.resolve(LoraConfig.FILE), config);
    }
}
