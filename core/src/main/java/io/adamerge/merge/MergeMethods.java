package io.adamerge.merge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The one registry of merge methods, name (or alias) to method, of every kind: the data-free {@link MergeMethod}s,
 * the {@link DataDrivenMethod}s, the {@link TestTimeMethod}s and the {@link SearchMethod}s, all found through {@link ServiceLoader} (one service
 * file per kind). Every entry point (merge, demo, studies, the library) takes methods from here by name.
 */
public final class MergeMethods {
    private final Map<String, MergeMethodInfo> byName = new LinkedHashMap<>();
    private final List<MergeMethodInfo> methods = new ArrayList<>();
    private final Map<String, MethodVariant> variants = new LinkedHashMap<>();

    private MergeMethods() {
    }

    /**
     * Every method on the class path: core's data-free ones and any other module's (e.g. torch's Fisher, RegMean and
     * the AdaMerging variants), data-free first, then data-driven, then test-time, then the supervised searches.
     */
    public static MergeMethods discover() {
        MergeMethods r = new MergeMethods();
        ClassLoader loader = MergeMethods.class.getClassLoader();
        for (MergeMethod m : ServiceLoader.load(MergeMethod.class, loader)) {
            r.add(m);
        }
        for (DataDrivenMethod m : ServiceLoader.load(DataDrivenMethod.class, loader)) {
            r.add(m);
        }
        for (TestTimeMethod m : ServiceLoader.load(TestTimeMethod.class, loader)) {
            r.add(m);
        }
        for (SearchMethod m : ServiceLoader.load(SearchMethod.class, loader)) {
            r.add(m);
        }
        return r;
    }

    public static MergeMethods of(MergeMethodInfo... methods) {
        MergeMethods r = new MergeMethods();
        for (MergeMethodInfo m : methods) {
            r.add(m);
        }
        return r;
    }

    /** A copy of this registry with one more method. */
    public MergeMethods with(MergeMethodInfo method) {
        MergeMethods r = new MergeMethods();
        methods.forEach(r::add);
        r.add(method);
        return r;
    }

    private void add(MergeMethodInfo m) {
        List<String> names = new ArrayList<>();
        names.add(m.name());
        names.addAll(m.aliases());
        for (String n : names) {
            if (variants.containsKey(key(n))) {
                throw new IllegalStateException("merge method name '" + n + "' is taken by both " + m.getClass().getName()
                        + " and a variant of " + variants.get(key(n)).base());
            }
            MergeMethodInfo previous = byName.putIfAbsent(key(n), m);
            if (previous != null && previous != m) {
                throw new IllegalStateException("merge method name '" + n + "' is taken by both "
                        + previous.getClass().getName() + " and " + m.getClass().getName());
            }
        }
        methods.add(m);
        if (m instanceof MergeMethod free) {
            for (MethodVariant v : free.variants()) {
                addVariant(free, v);
            }
        }
    }

    private void addVariant(MergeMethod base, MethodVariant v) {
        if (!key(v.base()).equals(key(base.name()))) {
            throw new IllegalStateException("variant '" + v.name() + "' of " + base.name() + " names another base: " + v.base());
        }
        java.util.Set<String> declared = new java.util.HashSet<>();
        base.parameters().forEach(p -> declared.add(p.name()));
        for (String p : v.overrides().keySet()) {
            if (!declared.contains(p)) {
                throw new IllegalStateException("variant '" + v.name() + "' sets '" + p + "', which " + base.name()
                        + " does not declare");
            }
        }
        String k = key(v.name());
        if (byName.containsKey(k) || variants.containsKey(k)) {
            throw new IllegalStateException("merge method name '" + v.name() + "' is taken by both a method and the variant of "
                    + base.name());
        }
        variants.put(k, v);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The method of this name or alias, of either kind. A variant's name is refused here (its overrides would be lost):
     * callers that accept variants ask {@link #variant} first.
     */
    public MergeMethodInfo get(String name) {
        MergeMethodInfo m = byName.get(key(name));
        if (m == null) {
            MethodVariant v = variants.get(key(name));
            if (v != null) {
                throw new MergeConfigException("'" + name + "' is a variant of " + v.base() + " (" + v.overrides()
                        + "); give " + v.base() + " with those parameters");
            }
            List<String> known = new ArrayList<>(names());
            known.addAll(variantNames());
            throw new MergeConfigException("unknown merge method '" + name + "'; known: " + String.join(", ", known));
        }
        return m;
    }

    /** The variant of this name ({@link MethodVariant}: a base method with parameter overrides), if there is one. */
    public java.util.Optional<MethodVariant> variant(String name) {
        return java.util.Optional.ofNullable(name == null ? null : variants.get(key(name)));
    }

    /** Every method's variants, in registry order. */
    public List<MethodVariant> variants() {
        return List.copyOf(variants.values());
    }

    public List<String> variantNames() {
        return variants.values().stream().map(MethodVariant::name).toList();
    }

    /** The data-free method of this name; a data-driven one is refused with a message saying what it needs. */
    public MergeMethod dataFree(String name) {
        MergeMethodInfo m = get(name);
        if (m instanceof MergeMethod free) {
            return free;
        }
        if (m instanceof TestTimeMethod t) {
            throw new MergeConfigException(t.name() + " learns its coefficients at test time on unlabelled inputs of each "
                    + "task with their heads: run it on a model pool (the demo, the studies, or the adamerging command)");
        }
        if (m instanceof SearchMethod s) {
            throw new MergeConfigException(s.name() + " searches its coefficients on labelled validation data of each task with "
                    + "their heads: run it on a model pool (the demo's table)");
        }
        DataDrivenMethod d = (DataDrivenMethod) m;
        throw new MergeConfigException(d.name() + " runs the models on data: give every model its data"
                + (d.needsHeads() ? " and head" : "") + " (YAML: models[i].data" + (d.needsHeads() ? "/head" : "")
                + "; flags: --data" + (d.needsHeads() ? " --heads" : "") + ")");
    }

    /** The method of this name if it is of the given type (e.g. {@link TestTimeMethod}), else a message naming its kind. */
    public <T extends MergeMethodInfo> T get(String name, Class<T> type, String purpose) {
        MergeMethodInfo m = get(name);
        if (!type.isInstance(m)) {
            throw new MergeConfigException(m.name() + " is a " + m.kind().label() + " method; " + purpose);
        }
        return type.cast(m);
    }

    /** The methods of one kind, in registry order. */
    public List<MergeMethodInfo> ofKind(MergeMethodInfo.Kind kind) {
        return methods.stream().filter(m -> m.kind() == kind).toList();
    }

    public List<MergeMethodInfo> all() {
        return Collections.unmodifiableList(methods);
    }

    public List<String> names() {
        return methods.stream().map(MergeMethodInfo::name).toList();
    }
}
