package io.adamerge.checkpoint.peft;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.TensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A PEFT LoRA adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors}), read as the model it
 * stands for: {@link #over(Checkpoint)} binds it to its base and returns a {@link Checkpoint} whose adapted matrices are
 * {@code W + scale·B·A}, materialised one matrix at a time, and whose other tensors are the base's (a zero task vector).
 */
public final class PeftAdapter implements AutoCloseable {
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** PEFT prefixes every saved key with the wrapper's path to the base model. */
    static final String PREFIX = "base_model.model.";
    /** Modules saved whole that are classification heads: task-specific, never merged, so they are left out. */
    static final Set<String> HEAD_MODULES = Set.of("classifier", "score", "head", "heads", "qa_outputs", "lm_head");

    /** One adapted module: its factors' tensor names, rank, scale and how ΔW is laid out. */
    public record Module(String module, String aTensor, String bTensor, int rank, double scale, Kind kind) {
    }

    /** How {@code B·A} maps onto the base weight. */
    public enum Kind {
        /** {@code nn.Linear}: ΔW = scale·B·A, [out, in]. */
        LINEAR,
        /** GPT-2's Conv1D ({@code fan_in_fan_out}): the weight is stored [in, out], ΔW = scale·(B·A)ᵀ. */
        LINEAR_FAN_IN_FAN_OUT,
        /** {@code nn.Embedding}: A is [r, vocab], B is [dim, r], ΔW = scale·(B·A)ᵀ, [vocab, dim]. */
        EMBEDDING
    }

    private final Path dir;
    private final LoraConfig config;
    private final SafetensorsFile weights;
    private final List<Module> modules;
    /** Tensors saved whole (trained biases with bias "all"/"lora_only"): module-relative name → adapter tensor. */
    private final Map<String, String> overrides;
    private final List<String> heads;

    private PeftAdapter(Path dir, LoraConfig config, SafetensorsFile weights, List<Module> modules, Map<String, String> overrides,
                        List<String> heads) {
        this.dir = dir;
        this.config = config;
        this.weights = weights;
        this.modules = List.copyOf(modules);
        this.overrides = Map.copyOf(overrides);
        this.heads = List.copyOf(heads);
    }

    /** Whether {@code path} is a PEFT adapter folder. */
    public static boolean isAdapter(Path path) {
        return path != null && Files.isDirectory(path) && Files.isRegularFile(path.resolve(LoraConfig.FILE));
    }

    /** Reads the config and the factors' headers and checks that every key is understood; the message names the culprit. */
    public static PeftAdapter open(Path dir) {
        if (!isAdapter(dir)) {
            throw new CheckpointException(dir + ": not a PEFT adapter folder (no " + LoraConfig.FILE + ")");
        }
        LoraConfig config = LoraConfig.read(dir.resolve(LoraConfig.FILE));
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            String bin = Files.isRegularFile(dir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin is a pickle; save the adapter with safe_serialization=True)" : "";
            throw new CheckpointException(dir + ": no " + WEIGHTS + bin);
        }
        List<String> unsupportedSaves = config.modulesToSave().stream().filter(m -> !HEAD_MODULES.contains(last(m))).toList();
        if (!unsupportedSaves.isEmpty()) {
            throw new CheckpointException(dir.resolve(LoraConfig.FILE) + ": modules_to_save " + unsupportedSaves
                    + " are saved whole; only classification heads (" + new java.util.TreeSet<>(HEAD_MODULES) + ") are supported there");
        }
        SafetensorsFile weights = SafetensorsFile.open(file);
        try {
            Map<String, String[]> factors = new TreeMap<>(); // module → {A, B}
            Map<String, Boolean> embedding = new LinkedHashMap<>();
            Map<String, String> overrides = new LinkedHashMap<>();
            List<String> heads = new ArrayList<>();
            for (TensorInfo t : weights.tensors()) {
                String key = t.name();
                String rel = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
                if (key.contains("lora_magnitude_vector")) {
                    throw new CheckpointException(file + ": tensor '" + key + "' is a DoRA magnitude; DoRA adapters are not supported");
                }
                Factor f = Factor.parse(rel);
                if (f != null) {
                    String[] ab = factors.computeIfAbsent(f.module, m -> new String[2]);
                    ab[f.isA ? 0 : 1] = key;
                    Boolean previous = embedding.put(f.module, f.embedding);
                    if (previous != null && previous != f.embedding) {
                        throw new CheckpointException(file + ": module '" + f.module + "' mixes lora_embedding and lora factors");
                    }
                } else if (isHead(rel, config)) {
                    heads.add(key);
                } else if (!"none".equals(config.bias()) && rel.endsWith(".bias")) {
                    overrides.put(rel, key);
                } else {
                    throw new CheckpointException(file + ": tensor '" + key + "' is neither a LoRA factor (lora_A / lora_B / "
                            + "lora_embedding_A / lora_embedding_B), a trained bias (bias is '" + config.bias() + "') nor part of a head");
                }
            }
            List<Module> modules = new ArrayList<>();
            for (Map.Entry<String, String[]> e : factors.entrySet()) {
                String module = e.getKey();
                String a = e.getValue()[0];
                String b = e.getValue()[1];
                if (a == null || b == null) {
                    throw new CheckpointException(file + ": module '" + module + "' has " + (a == null ? "lora_B but no lora_A" : "lora_A but no lora_B"));
                }
                boolean emb = embedding.get(module);
                long[] as = weights.info(a).shape();
                long[] bs = weights.info(b).shape();
                if (as.length != 2 || bs.length != 2 || as[0] != bs[1]) {
                    throw new CheckpointException(file + ": module '" + module + "': lora_A " + weights.info(a).shapeString()
                            + " and lora_B " + weights.info(b).shapeString() + " are not [r, in] and [out, r]");
                }
                int rank = Math.toIntExact(as[0]);
                int expected = config.rankOf(module);
                if (rank != expected) {
                    throw new CheckpointException(file + ": module '" + module + "' has rank " + rank + " but " + LoraConfig.FILE
                            + " says " + expected + (config.rankPattern().isEmpty() ? " (r)" : " (r / rank_pattern)"));
                }
                Kind kind = emb ? Kind.EMBEDDING : config.fanInFanOut() ? Kind.LINEAR_FAN_IN_FAN_OUT : Kind.LINEAR;
                modules.add(new Module(module, a, b, rank, config.scaleOf(module), kind));
            }
            if (modules.isEmpty() && overrides.isEmpty()) {
                throw new CheckpointException(file + ": no LoRA factors in the adapter");
            }
            return new PeftAdapter(dir, config, weights, modules, overrides, heads);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static boolean isHead(String rel, LoraConfig config) {
        for (String m : config.modulesToSave()) {
            if (rel.startsWith(m + ".") || rel.contains("." + m + ".")) {
                return true;
            }
        }
        return false;
    }

    private static String last(String dotted) {
        int i = dotted.lastIndexOf('.');
        return i < 0 ? dotted : dotted.substring(i + 1);
    }

    /** A LoRA factor key split into module and side; null for any other key. */
    private record Factor(String module, boolean isA, boolean embedding) {
        static Factor parse(String rel) {
            String[][] forms = {{".lora_A.weight", "A"}, {".lora_B.weight", "B"}, {".lora_embedding_A", "eA"}, {".lora_embedding_B", "eB"}};
            for (String[] f : forms) {
                if (rel.endsWith(f[0])) {
                    return new Factor(rel.substring(0, rel.length() - f[0].length()), f[1].endsWith("A"), f[1].startsWith("e"));
                }
            }
            return null;
        }
    }

    /**
     * The model this adapter stands for: {@code base}'s tensors with the adapted ones overlaid. Takes ownership of
     * {@code base} and of this adapter (closing the result closes both). Refuses a base the adapter does not fit.
     */
    public Checkpoint over(Checkpoint base) {
        LoraOverlay overlay = new LoraOverlay(this, base);
        return Checkpoint.overlaid(base, dir, overlay);
    }

    public Path dir() {
        return dir;
    }

    public LoraConfig config() {
        return config;
    }

    public List<Module> modules() {
        return modules;
    }

    /** Module-relative names of tensors saved whole (trained biases) → their key in the adapter file. */
    public Map<String, String> overrides() {
        return overrides;
    }

    /** Keys of head tensors saved in the adapter (left out of the model). */
    public List<String> heads() {
        return heads;
    }

    SafetensorsFile weights() {
        return weights;
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "LoRA adapter " + dir + " (" + modules.size() + " modules, r " + config.r() + ", alpha " + config.loraAlpha() + ")";
    }
}
