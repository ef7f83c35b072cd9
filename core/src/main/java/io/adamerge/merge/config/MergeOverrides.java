package io.adamerge.merge.config;

import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.ParameterScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the command line lays over a config (or gives instead of one). Flags win: {@code models} replaces the config's
 * models (and their per-model settings); a parameter flag replaces the config's value, a comma-separated list for a
 * per-model parameter gives one value per model; heads and data are one path per model, in model order.
 *
 * @param method       --method, or null
 * @param base         --base, or null
 * @param models       --models, or null
 * @param heads        --heads, or null
 * @param data         --data, or null
 * @param parameters   parameter flags by parameter name (raw text), in the order given
 * @param dtype        --dtype, or null
 * @param output       the output given on the command line, or null
 * @param visionConfig --vision-config, or null
 */
public record MergeOverrides(String method, Path base, List<Path> models, List<Path> heads, List<Path> data,
                             Map<String, String> parameters, String dtype, Path output, Path visionConfig) {

    public static MergeOverrides none() {
        return new MergeOverrides(null, null, null, null, null, Map.of(), null, null, null);
    }

    /**
     * The effective config: {@code config} (may be null) with these overrides laid over it, its method resolved in
     * {@code registry}. A data-free method given heads or data is refused (naming where they came from).
     */
    public MergeConfig applyTo(MergeConfig config, MergeMethods registry) {
        String methodName = method != null ? method : config != null ? config.method() : null;
        if (methodName == null) {
            throw new MergeConfigException("give a merge config or --method (see --list-methods)");
        }
        // a variant (a base method with parameter overrides) runs its base method; the config's and flags' values win
        java.util.Optional<io.adamerge.merge.MethodVariant> variant = registry.variant(methodName);
        MergeMethodInfo m = registry.get(variant.map(io.adamerge.merge.MethodVariant::base).orElse(methodName));
        Path basePath = base != null ? base : config != null ? config.base() : null;

        List<Map<String, Object>> perModel = new ArrayList<>();
        List<Path> paths;
        List<Path> h = new ArrayList<>();
        List<Path> d = new ArrayList<>();
        if (models != null) {
            paths = models;
        } else if (config != null) {
            MergeConfig c = m.requiresBase() && basePath != null ? config.withBase(basePath).withoutBaseAmongModels() : config;
            paths = c.models();
            c.modelParameters().forEach(p -> perModel.add(new LinkedHashMap<>(p)));
            h.addAll(c.heads());
            d.addAll(c.data());
        } else {
            throw new MergeConfigException("give --models (or a merge config)");
        }
        while (perModel.size() < paths.size()) {
            perModel.add(new LinkedHashMap<>());
        }
        if (!(m instanceof DataDrivenMethod) && !(m instanceof io.adamerge.merge.TestTimeMethod)) {
            rejectDataInputs(m, config);
        }
        h = perModelPaths("--heads", heads, h, paths.size());
        d = perModelPaths("--data", data, d, paths.size());

        Map<String, Object> global = new LinkedHashMap<>(config != null ? config.parameters() : Map.of());
        if (variant.isPresent()) {
            global = new LinkedHashMap<>(variant.get().parameters(global));
        }
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            applyFlag(m, e.getKey(), e.getValue(), global, perModel, paths.size());
        }
        Path out = output != null ? output : config != null ? config.output() : null;
        String dt = dtype != null ? dtype : config != null ? config.dtype() : null;
        Path vision = visionConfig != null ? visionConfig : config != null ? config.visionConfig() : null;
        return new MergeConfig(m.name(), basePath, List.copyOf(paths), perModel, h, d, global, dt, out, vision);
    }

    /** A data-free method given heads or data: say so rather than ignore them. */
    private void rejectDataInputs(MergeMethodInfo m, MergeConfig config) {
        List<String> given = new ArrayList<>();
        if (heads != null) {
            given.add("--heads");
        }
        if (data != null) {
            given.add("--data");
        }
        if (visionConfig != null) {
            given.add("--vision-config");
        }
        if (config != null && models == null) {
            config.modelsWithDataInputs().forEach(w -> given.add(w + ".head/data"));
        }
        if (config != null && config.visionConfig() != null) {
            given.add("vision_config");
        }
        if (!given.isEmpty()) {
            throw new MergeConfigException(m.name() + " is data-free and takes no heads or data, but got "
                    + String.join(", ", given) + "; the methods that use data: " + dataDrivenNames());
        }
    }

    private static String dataDrivenNames() {
        return String.join(", ", MergeMethods.discover().all().stream().filter(x -> x instanceof DataDrivenMethod)
                .map(MergeMethodInfo::name).toList());
    }

    /** The flag's list (one per model) when given, else the config's entries (null where none). */
    private static List<Path> perModelPaths(String flag, List<Path> fromFlag, List<Path> fromConfig, int modelCount) {
        if (fromFlag != null) {
            if (fromFlag.size() != modelCount) {
                throw new MergeConfigException(flag + ": " + fromFlag.size() + " paths for " + modelCount
                        + " models (give one per model, in model order)");
            }
            return new ArrayList<>(fromFlag);
        }
        List<Path> out = new ArrayList<>(fromConfig);
        while (out.size() < modelCount) {
            out.add(null);
        }
        return out;
    }

    /** A comma list for a per-model parameter sets one value per model; anything else is one global value. */
    private static void applyFlag(MergeMethodInfo m, String name, String value, Map<String, Object> global,
                                  List<Map<String, Object>> perModel, int modelCount) {
        MergeParameter declared = m.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        if (declared != null && declared.scope() == ParameterScope.PER_MODEL && value.contains(",")) {
            String[] parts = value.split(",", -1);
            if (parts.length != modelCount) {
                throw new MergeConfigException("parameter '" + name + "': " + parts.length + " values for "
                        + modelCount + " models");
            }
            for (int k = 0; k < modelCount; k++) {
                perModel.get(k).put(name, parts[k].trim());
            }
            global.remove(name);
            return;
        }
        global.put(name, value);
        // a flag overrides the config's per-model values too
        perModel.forEach(p -> p.remove(name));
    }
}
