package io.adamerge.merge;

import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One method's merge at any value of its {@link MergeMethod#scaleParameter() scale parameter} s, from its merged task
 * vector D computed once ({@link InMemoryMerge#scalable}): θ_pre + s·D per element, rounded as the method's own merge
 * rounds, so {@link #at} equals {@link InMemoryMerge#merge} with that value bit for bit. A search over s (the
 * {@code *_best} rows) costs one decomposition and one cheap rescaling per value.
 */
public final class ScalableMerge {
    private final MergeMethod method;
    private final String parameter;
    private final int models;
    private final List<TensorInfo> tensors;
    private final Map<String, FloatTensor> base;
    private final Map<String, double[]> directions;
    private final ScalableRun run;

    ScalableMerge(MergeMethod method, String parameter, int models, List<TensorInfo> tensors, Map<String, FloatTensor> base,
                  Map<String, double[]> directions, ScalableRun run) {
        this.method = method;
        this.parameter = parameter;
        this.models = models;
        this.tensors = List.copyOf(tensors);
        this.base = base;
        this.directions = directions;
        this.run = run;
    }

    public MergeMethod method() {
        return method;
    }

    /** The name of the scale parameter. */
    public String parameter() {
        return parameter;
    }

    /** The merged tensors at scale {@code scale}, named and ordered as the base. */
    public Map<String, FloatTensor> at(double scale) {
        check(scale);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            out.put(t.name(), new FloatTensor(t.shape().clone(), scaled(t.name(), scale)));
        }
        return out;
    }

    /** One merged tensor at scale {@code scale}. */
    public float[] tensor(String name, double scale) {
        check(scale);
        if (!directions.containsKey(name)) {
            throw new MergeConfigException(method.name() + ": the merge has no tensor '" + name + "'");
        }
        return scaled(name, scale);
    }

    private float[] scaled(String name, double scale) {
        float[] b = base.get(name).data();
        double[] d = directions.get(name);
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = run.scaled(b[i], d[i], scale);
        }
        return out;
    }

    /** The value is checked against the parameter's declaration, as a merge with it would be. */
    private void check(double scale) {
        MergeParameters.resolve(method, Map.of(parameter, scale), List.of(), models);
    }
}
