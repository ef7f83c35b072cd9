package io.adamerge.merge.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.merge.MergeConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A merge described in mergekit's YAML style:
 * <pre>
 * merge_method: ties
 * base_model: pre.safetensors
 * models:
 *   - model: ft_0.safetensors
 *     parameters: {density: 0.2}
 *   - model: ft_1.safetensors
 * parameters: {lambda: 0.3, scope: global}
 * dtype: bfloat16          # optional
 * out: merged/             # optional here, or given on the command line
 * </pre>
 * Methods that run the models on data (fisher, regmean) take, per model, {@code data: IMAGES} (a safetensors file
 * with {@code pixel_values} or an image folder) and {@code head: HEAD.safetensors}, and at the top level an
 * optional {@code vision_config: CLIPVisionConfig.json} for checkpoints without config.json.
 * Relative paths are taken from the working directory when they exist there, else from the config's directory.
 *
 * @param method          merge_method
 * @param base            base_model, or null
 * @param models          the models' paths
 * @param modelParameters each model's parameters (same order)
 * @param heads           each model's head, null where none is given (same order)
 * @param data            each model's data, null where none is given (same order)
 * @param parameters      top-level parameters
 * @param dtype           dtype, or null
 * @param output          out / output, or null
 * @param visionConfig    vision_config, or null
 */
public record MergeConfig(String method, Path base, List<Path> models, List<Map<String, Object>> modelParameters,
                          List<Path> heads, List<Path> data, Map<String, Object> parameters, String dtype, Path output,
                          Path visionConfig) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("merge_method", "base_model", "models", "parameters", "dtype",
            "out", "output", "vision_config");
    private static final Set<String> MODEL_KEYS = Set.of("model", "parameters", "head", "data");

    /**
     * Reads a config file strictly ({@link StrictYaml}: aliases resolved, duplicate keys refused, UTF-8 only); relative
     * paths are resolved as described above.
     */
    public static MergeConfig read(Path file) {
        JsonNode root = StrictYaml.read(file);
        if (root == null || !root.isObject()) {
            throw new MergeConfigException(file + ": a merge config must be a YAML mapping");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new MergeConfigException(file + ": unsupported key '" + key + "' (supported: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        String method = text(file, root, "merge_method", true);
        String baseText = text(file, root, "base_model", false);
        Path base = baseText == null ? null : resolve(baseText, dir);
        List<Path> models = new ArrayList<>();
        List<Map<String, Object>> modelParameters = new ArrayList<>();
        List<Path> heads = new ArrayList<>();
        List<Path> data = new ArrayList<>();
        JsonNode list = root.get("models");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new MergeConfigException(file + ": 'models' must be a non-empty list of {model: PATH, parameters: {...}}");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String where = "models[" + i + "]";
            if (entry.isTextual()) {
                models.add(resolve(entry.asText(), dir));
                modelParameters.add(Map.of());
                heads.add(null);
                data.add(null);
                continue;
            }
            if (!entry.isObject() || entry.get("model") == null || !entry.get("model").isTextual()) {
                throw new MergeConfigException(file + ": " + where + " needs 'model: PATH'");
            }
            for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!MODEL_KEYS.contains(key)) {
                    throw new MergeConfigException(file + ": " + where + ": unsupported key '" + key + "' (supported: "
                            + String.join(", ", MODEL_KEYS.stream().sorted().toList()) + ")");
                }
            }
            models.add(resolve(entry.get("model").asText(), dir));
            modelParameters.add(values(file, entry.get("parameters"), where + ".parameters"));
            String head = text(file, entry, "head", false);
            heads.add(head == null ? null : resolve(head, dir));
            String images = text(file, entry, "data", false);
            data.add(images == null ? null : resolve(images, dir));
        }
        Map<String, Object> parameters = values(file, root.get("parameters"), "parameters");
        String dtype = text(file, root, "dtype", false);
        String out = text(file, root, "out", false);
        if (out == null) {
            out = text(file, root, "output", false);
        }
        String visionConfig = text(file, root, "vision_config", false);
        return new MergeConfig(method, base, models, modelParameters, heads, data, parameters, dtype,
                out == null ? null : Path.of(out), visionConfig == null ? null : resolve(visionConfig, dir));
    }

    /**
     * mergekit configs often list the base model among the models without parameters: for methods built on
     * task vectors it contributes a zero task vector, so it is left out (as mergekit does).
     */
    public MergeConfig withoutBaseAmongModels() {
        if (base == null) {
            return this;
        }
        List<Path> ms = new ArrayList<>();
        List<Map<String, Object>> ps = new ArrayList<>();
        List<Path> hs = new ArrayList<>();
        List<Path> ds = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            if (models.get(i).toAbsolutePath().normalize().equals(base.toAbsolutePath().normalize())) {
                continue;
            }
            ms.add(models.get(i));
            ps.add(modelParameters.get(i));
            hs.add(heads.get(i));
            ds.add(data.get(i));
        }
        return new MergeConfig(method, base, ms, ps, hs, ds, parameters, dtype, output, visionConfig);
    }

    /** The same config with another base model. */
    public MergeConfig withBase(Path otherBase) {
        return new MergeConfig(method, otherBase, models, modelParameters, heads, data, parameters, dtype, output, visionConfig);
    }

    /** A config made in code: {@code models} with no per-model settings. */
    public static MergeConfig of(String method, Path base, List<Path> models, Map<String, ?> parameters, Path output) {
        List<Map<String, Object>> none = new ArrayList<>();
        List<Path> nulls = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            none.add(Map.of());
            nulls.add(null);
        }
        return new MergeConfig(method, base, List.copyOf(models), none, nulls, nulls, new LinkedHashMap<>(parameters), null,
                output, null);
    }

    /** The same config writing elsewhere. */
    public MergeConfig withOutput(Path otherOutput) {
        return new MergeConfig(method, base, models, modelParameters, heads, data, parameters, dtype, otherOutput, visionConfig);
    }

    /** Whether any model was given a head or data (what methods that run the models on data need). */
    public boolean hasDataInputs() {
        return heads.stream().anyMatch(java.util.Objects::nonNull) || data.stream().anyMatch(java.util.Objects::nonNull)
                || visionConfig != null;
    }

    /** The 1-based indices (as "models[i]") of models that were given a head or data. */
    public List<String> modelsWithDataInputs() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            if (heads.get(i) != null || data.get(i) != null) {
                out.add("models[" + i + "]");
            }
        }
        return out;
    }

    private static Path resolve(String text, Path dir) {
        Path p = Path.of(text);
        if (p.isAbsolute() || Files.exists(p)) {
            return p;
        }
        Path beside = dir.resolve(p);
        return Files.exists(beside) ? beside : p;
    }

    private static String text(Path file, JsonNode root, String key, boolean required) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (required) {
                throw new MergeConfigException(file + ": missing '" + key + "'");
            }
            return null;
        }
        if (!n.isValueNode()) {
            throw new MergeConfigException(file + ": '" + key + "' must be a single value");
        }
        return n.asText();
    }

    /** Scalars become String/Number/Boolean; lists and maps are kept so the parameter's check can reject them. */
    private static Map<String, Object> values(Path file, JsonNode node, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new MergeConfigException(file + ": '" + where + "' must be a mapping of name: value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            Object value;
            if (v.isBoolean()) {
                value = v.asBoolean();
            } else if (v.isNumber()) {
                value = v.numberValue();
            } else if (v.isValueNode()) {
                value = v.asText();
            } else {
                value = JSON.convertValue(v, Object.class);
            }
            out.put(e.getKey(), value);
        }
        return out;
    }
}
