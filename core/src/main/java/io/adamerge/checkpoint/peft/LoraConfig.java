package io.adamerge.checkpoint.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The fields of a PEFT {@code adapter_config.json} that decide a LoRA adapter's weight update
 * (PEFT's {@code LoraConfig}): rank {@code r}, {@code lora_alpha}, per-module {@code rank_pattern} and
 * {@code alpha_pattern}, {@code use_rslora} (scale α/√r instead of α/r), {@code fan_in_fan_out} (GPT-2's Conv1D
 * layout), and what makes an adapter unsupported here ({@code use_dora}, other PEFT types).
 *
 * @param targetModules   the config's target_modules as written (a list joined by ',' or a regex), for the record
 * @param modulesToSave   modules saved whole beside the adapter (PEFT's {@code modules_to_save})
 * @param baseModel       {@code base_model_name_or_path}, or empty
 */
public record LoraConfig(String peftType, int r, double loraAlpha, Map<String, Integer> rankPattern,
                         Map<String, Double> alphaPattern, boolean useRslora, boolean useDora, boolean fanInFanOut,
                         String bias, String targetModules, List<String> modulesToSave, String baseModel) {

    public static final String FILE = "adapter_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public LoraConfig {
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** Reads and checks {@code adapter_config.json}; the message names the file and the field. */
    public static LoraConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": expected a JSON object");
        }
        String type = text(root, "peft_type", "LORA");
        if (!"LORA".equalsIgnoreCase(type)) {
            throw new CheckpointException(file + ": peft_type " + type + " is not supported (only LoRA adapters)");
        }
        boolean dora = bool(file, root, "use_dora");
        if (dora) {
            throw new CheckpointException(file + ": use_dora is true; DoRA adapters (a learnt magnitude per column) are not supported");
        }
        int r = positiveInt(file, root.get("r"), "r");
        double alpha = root.has("lora_alpha") && !root.get("lora_alpha").isNull()
                ? number(file, root.get("lora_alpha"), "lora_alpha") : 8.0; // PEFT's default
        Map<String, Integer> ranks = new LinkedHashMap<>();
        objectFields(file, root, "rank_pattern").forEach((k, v) -> ranks.put(checkedPattern(file, "rank_pattern", k),
                positiveInt(file, v, "rank_pattern." + k)));
        Map<String, Double> alphas = new LinkedHashMap<>();
        objectFields(file, root, "alpha_pattern").forEach((k, v) -> alphas.put(checkedPattern(file, "alpha_pattern", k),
                number(file, v, "alpha_pattern." + k)));
        List<String> toSave = new ArrayList<>();
        JsonNode save = root.get("modules_to_save");
        if (save != null && !save.isNull()) {
            if (!save.isArray()) {
                throw new CheckpointException(file + ": modules_to_save must be a list or null");
            }
            save.forEach(n -> toSave.add(n.asText()));
        }
        JsonNode targets = root.get("target_modules");
        String targetText = targets == null || targets.isNull() ? ""
                : targets.isArray() ? String.join(",", iterable(targets)) : targets.asText();
        return new LoraConfig(type.toUpperCase(java.util.Locale.ROOT), r, alpha, ranks, alphas, bool(file, root, "use_rslora"),
                false, bool(file, root, "fan_in_fan_out"), text(root, "bias", "none"), targetText, toSave,
                text(root, "base_model_name_or_path", ""));
    }

    /** The rank of one module: its {@code rank_pattern} entry if one matches, else {@code r}. */
    public int rankOf(String module) {
        return matching(rankPattern, module).orElse(r);
    }

    /** The alpha of one module: its {@code alpha_pattern} entry if one matches, else {@code lora_alpha}. */
    public double alphaOf(String module) {
        return matching(alphaPattern, module).orElse(loraAlpha);
    }

    /** PEFT's scaling of {@code B·A}: α/r, or α/√r with rsLoRA. */
    public double scaleOf(String module) {
        int rank = rankOf(module);
        return useRslora ? alphaOf(module) / Math.sqrt(rank) : alphaOf(module) / rank;
    }

    /**
     * PEFT's pattern lookup ({@code get_pattern_key}): a key matches a module whose dotted name ends with it,
     * as a regular expression anchored at a dot; the first key in file order that matches wins.
     */
    static <V> Optional<V> matching(Map<String, V> patterns, String module) {
        for (Map.Entry<String, V> e : patterns.entrySet()) {
            if (module.equals(e.getKey()) || Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    private static String checkedPattern(Path file, String field, String key) {
        try {
            Pattern.compile(key);
            return key;
        } catch (PatternSyntaxException e) {
            throw new CheckpointException(file + ": " + field + " key '" + key + "' is not a valid pattern (" + e.getDescription() + ")");
        }
    }

    private static Iterable<String> iterable(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, JsonNode> objectFields(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new CheckpointException(file + ": " + field + " must be an object");
        }
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static String text(JsonNode root, String field, String fallback) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    private static boolean bool(Path file, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new CheckpointException(file + ": " + field + " must be true or false, not " + n);
        }
        return n.booleanValue();
    }

    private static int positiveInt(Path file, JsonNode n, String field) {
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() < 1) {
            throw new CheckpointException(file + ": " + field + " must be a positive integer, not " + n);
        }
        return n.intValue();
    }

    private static double number(Path file, JsonNode n, String field) {
        if (n == null || !n.isNumber() || !Double.isFinite(n.doubleValue())) {
            throw new CheckpointException(file + ": " + field + " must be a finite number, not " + n);
        }
        return n.doubleValue();
    }
}
