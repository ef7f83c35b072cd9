package io.adamerge.study;

import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A method the studies compare: any method of the one merge registry, with the studies' settings as its parameter
 * values (λ and the Ties density where it declares them; AdaMerging steps, batch and seed for test-time methods), and a
 * row label.
 *
 * @param label      the row label in the study tables
 * @param method     the registry method
 * @param parameters its parameter values (raw, as in a merge config)
 */
public record StudyMethod(String label, MergeMethodInfo method, Map<String, Object> parameters) {
    public StudyMethod {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The paper's four rows: Task Arithmetic and Ties at λ, layer-wise AdaMerging and AdaMerging++. */
    public static List<String> defaults() {
        return List.of("task_arithmetic", "ties", "lw_adamerging", "lw_adamerging_pp");
    }

    /** The registry method {@code name} under the studies' settings. */
    public static StudyMethod of(String name, StudySettings s, MergeMethods registry) {
        MergeMethodInfo m;
        try {
            m = registry.get(name);
        } catch (MergeConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        Map<String, Object> shared = new LinkedHashMap<>();
        shared.put("lambda", s.lambda());
        shared.put("density", s.tiesDensity());
        if (m.kind() == MergeMethodInfo.Kind.TEST_TIME) {
            shared.put("steps", (long) s.adaSteps());
            shared.put("batch_size", (long) s.adaBatch());
            shared.put("seed", s.seed());
        }
        for (MergeParameter declared : m.parameters()) {
            if (shared.containsKey(declared.name())) {
                p.put(declared.name(), shared.get(declared.name()));
            }
        }
        return new StudyMethod(label(m, s), m, p);
    }

    /** The paper's names for its rows; any other method by its registry name (with λ when it has one). */
    private static String label(MergeMethodInfo m, StudySettings s) {
        String lambda = String.format(Locale.ROOT, " (λ %.1f)", s.lambda());
        return switch (m.name()) {
            case "task_arithmetic" -> "Task Arithmetic" + lambda;
            case "ties" -> "Ties-Merging" + lambda;
            case "lw_adamerging" -> "AdaMerging (layer-wise)";
            case "lw_adamerging_pp" -> "AdaMerging++ (layer-wise)";
            default -> m.name() + (m.parameters().stream().anyMatch(p -> p.name().equals("lambda")) ? lambda : "");
        };
    }

    /** Whether the method learns from the inputs it is evaluated on (a test-time method). */
    public boolean learnt() {
        return method.kind() == MergeMethodInfo.Kind.TEST_TIME;
    }
}
