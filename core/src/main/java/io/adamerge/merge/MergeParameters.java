package io.adamerge.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parameter values of one merge, resolved against the method's declarations: types converted,
 * ranges checked, defaults filled in, per-model values expanded to one per model.
 */
public final class MergeParameters {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MergeMethodInfo method;
    private final Map<String, Object> global;
    private final List<Map<String, Object>> perModel;

    private MergeParameters(MergeMethodInfo method, Map<String, Object> global, List<Map<String, Object>> perModel) {
        this.method = method;
        this.global = Collections.unmodifiableMap(global);
        this.perModel = perModel.stream().map(Collections::unmodifiableMap).toList();
    }

    /**
     * Resolves raw values (from YAML or flags).
     *
     * @param method     the method whose declarations apply
     * @param global     top-level values; a per-model parameter given here applies to every model
     * @param perModel   one map per model (may be shorter than modelCount or empty: missing maps are empty)
     * @param modelCount number of models merged
     */
    public static MergeParameters resolve(MergeMethodInfo method, Map<String, ?> global, List<? extends Map<String, ?>> perModel,
                                          int modelCount) {
        Map<String, MergeParameter> declared = new LinkedHashMap<>();
        for (MergeParameter p : method.parameters()) {
            declared.put(p.name(), p);
        }
        if (perModel.size() > modelCount) {
            throw new MergeConfigException(perModel.size() + " per-model parameter sets for " + modelCount + " models");
        }
        for (String name : global.keySet()) {
            requireDeclared(method, declared, name, "parameters");
        }
        for (int k = 0; k < perModel.size(); k++) {
            for (String name : perModel.get(k).keySet()) {
                MergeParameter p = requireDeclared(method, declared, name, "model " + (k + 1));
                if (p.scope() == ParameterScope.GLOBAL) {
                    throw new MergeConfigException("parameter '" + name + "' of " + method.name()
                            + " applies to the whole merge: set it under the top-level parameters, not per model");
                }
            }
        }
        Map<String, Object> g = new LinkedHashMap<>();
        List<Map<String, Object>> pm = new ArrayList<>();
        for (int k = 0; k < modelCount; k++) {
            pm.add(new LinkedHashMap<>());
        }
        for (MergeParameter p : declared.values()) {
            Object globalValue = global.containsKey(p.name()) ? p.parse(global.get(p.name()), "parameters") : p.defaultValue();
            if (p.scope() == ParameterScope.GLOBAL) {
                if (globalValue == null) {
                    throw missing(method, p, "parameters");
                }
                g.put(p.name(), globalValue);
                continue;
            }
            for (int k = 0; k < modelCount; k++) {
                Map<String, ?> own = k < perModel.size() ? perModel.get(k) : Map.of();
                Object v = own.containsKey(p.name()) ? p.parse(own.get(p.name()), "model " + (k + 1)) : globalValue;
                if (v == null) {
                    throw missing(method, p, "model " + (k + 1));
                }
                pm.get(k).put(p.name(), v);
            }
        }
        return new MergeParameters(method, g, pm);
    }

    private static MergeParameter requireDeclared(MergeMethodInfo method, Map<String, MergeParameter> declared, String name,
                                                  String where) {
        MergeParameter p = declared.get(name);
        if (p == null) {
            throw new MergeConfigException("unknown parameter '" + name + "' (" + where + ") for " + method.name()
                    + "; it takes " + (declared.isEmpty() ? "none" : String.join(", ", declared.keySet())));
        }
        return p;
    }

    private static MergeConfigException missing(MergeMethodInfo method, MergeParameter p, String where) {
        return new MergeConfigException(method.name() + " needs parameter '" + p.name() + "' (" + where + "): "
                + p.description());
    }

    public MergeMethodInfo method() {
        return method;
    }

    public int modelCount() {
        return perModel.size();
    }

    private Object global(String name) {
        Object v = global.get(name);
        if (v == null) {
            throw new IllegalArgumentException(method.name() + " declares no global parameter '" + name + "'");
        }
        return v;
    }

    private Object model(String name, int k) {
        Object v = perModel.get(k).get(name);
        if (v == null) {
            throw new IllegalArgumentException(method.name() + " declares no per-model parameter '" + name + "'");
        }
        return v;
    }

    public double number(String name) {
        return (Double) global(name);
    }

    public long integer(String name) {
        return (Long) global(name);
    }

    public boolean flag(String name) {
        return (Boolean) global(name);
    }

    public String choice(String name) {
        return (String) global(name);
    }

    public double number(String name, int model) {
        return (Double) model(name, model);
    }

    /** A per-model number for every model. */
    public double[] numbers(String name) {
        double[] out = new double[perModel.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = number(name, k);
        }
        return out;
    }

    public Path checkpoint(String name, int model) {
        return (Path) model(name, model);
    }

    public Map<String, Object> globalValues() {
        return global;
    }

    public List<Map<String, Object>> perModelValues() {
        return perModel;
    }

    /**
     * The values as JSON, recorded in the output's metadata: {@code {"lambda":0.3, "models":[{"density":0.2},...]}}
     * (per-model values listed per model; values equal for all models are also given once at the top).
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        global.forEach((k, v) -> root.set(k, JSON.valueToTree(v instanceof Path p ? p.toString() : v)));
        if (!perModel.isEmpty() && !perModel.get(0).isEmpty()) {
            for (String name : perModel.get(0).keySet()) {
                Object first = perModel.get(0).get(name);
                if (!(first instanceof Path) && perModel.stream().allMatch(m -> Objects.equals(m.get(name), first))) {
                    root.set(name, JSON.valueToTree(first));
                }
            }
            ArrayNode models = root.putArray("models");
            for (Map<String, Object> m : perModel) {
                ObjectNode o = models.addObject();
                m.forEach((k, v) -> o.set(k, JSON.valueToTree(v instanceof Path p ? p.toString() : v)));
            }
        }
        return root.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
