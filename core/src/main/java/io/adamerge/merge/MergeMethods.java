package io.adamerge.merge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/** The registry of merge methods: name (or alias) to method. */
public final class MergeMethods {
    private final Map<String, MergeMethod> byName = new LinkedHashMap<>();
    private final List<MergeMethod> methods = new ArrayList<>();

    private MergeMethods() {
    }

    /** Every method on the class path: core's data-free ones and any other module's (e.g. torch's). */
    public static MergeMethods discover() {
        MergeMethods r = new MergeMethods();
        for (MergeMethod m : ServiceLoader.load(MergeMethod.class, MergeMethods.class.getClassLoader())) {
            r.add(m);
        }
        return r;
    }

    public static MergeMethods of(MergeMethod... methods) {
        MergeMethods r = new MergeMethods();
        for (MergeMethod m : methods) {
            r.add(m);
        }
        return r;
    }

    /** A copy of this registry with one more method. */
    public MergeMethods with(MergeMethod method) {
        MergeMethods r = new MergeMethods();
        methods.forEach(r::add);
        r.add(method);
        return r;
    }

    private void add(MergeMethod m) {
        List<String> names = new ArrayList<>();
        names.add(m.name());
        names.addAll(m.aliases());
        for (String n : names) {
            MergeMethod previous = byName.putIfAbsent(key(n), m);
            if (previous != null && previous != m) {
                throw new IllegalStateException("merge method name '" + n + "' is taken by both "
                        + previous.getClass().getName() + " and " + m.getClass().getName());
            }
        }
        methods.add(m);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    public MergeMethod get(String name) {
        MergeMethod m = byName.get(key(name));
        if (m == null) {
            throw new MergeConfigException("unknown merge method '" + name + "'; known: " + String.join(", ", names()));
        }
        return m;
    }

    public List<MergeMethod> all() {
        return Collections.unmodifiableList(methods);
    }

    public List<String> names() {
        return methods.stream().map(MergeMethod::name).toList();
    }
}
