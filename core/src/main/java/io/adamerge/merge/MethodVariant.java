package io.adamerge.merge;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A named configuration of a registry method: its base method with some parameter values set, e.g. {@code iso_c_lowrank}
 * = {@code iso_c} with {@code rank_tolerance: 1e-4}. A variant is not a method of its own: every entry point (merge,
 * the demo's table) runs the base method with the overrides laid under the caller's values (a value the caller gives
 * wins). Declared by the base method ({@link MergeMethod#variants()}) and found through the registry
 * ({@link MergeMethods#variant}).
 *
 * @param name        the variant's name, as a method name is given on the command line
 * @param base        the name of the base method
 * @param overrides   parameter values of the base method (raw, as in a merge config), in order
 * @param description one line for the listing
 */
public record MethodVariant(String name, String base, Map<String, Object> overrides, String description) {
    public MethodVariant {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(base, "base");
        overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    }

    /** The overrides with {@code values} laid over them: what the base method runs with. */
    public Map<String, Object> parameters(Map<String, ?> values) {
        Map<String, Object> p = new LinkedHashMap<>(overrides);
        p.putAll(values);
        return p;
    }
}
