package io.adamerge.checkpoint.peft;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorOverlay;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapted tensors of a {@link PeftAdapter} over its base: {@code W + scale·B·A} (or the trained bias saved whole).
 * One materialised tensor is kept (the one being streamed), so memory stays one matrix per adapter.
 */
final class LoraOverlay implements TensorOverlay {
    private final PeftAdapter adapter;
    private final Checkpoint base;
    /** Base tensor name → the module adapting it. */
    private final Map<String, PeftAdapter.Module> moduleOf = new LinkedHashMap<>();
    /** Base tensor name → adapter key of the tensor saved whole. */
    private final Map<String, String> overrideOf = new LinkedHashMap<>();

    private String cachedName;
    private float[] cachedValues;

    LoraOverlay(PeftAdapter adapter, Checkpoint base) {
        this.adapter = adapter;
        this.base = base;
        for (PeftAdapter.Module m : adapter.modules()) {
            String target = resolve(m.module() + ".weight");
            TensorInfo t = base.info(target);
            long[] a = adapter.weights().info(m.aTensor()).shape(); // [r, in]
            long[] b = adapter.weights().info(m.bTensor()).shape(); // [out, r]
            long[] expected = switch (m.kind()) {
                case LINEAR -> new long[]{b[0], a[1]};
                case LINEAR_FAN_IN_FAN_OUT, EMBEDDING -> new long[]{a[1], b[0]};
            };
            if (!t.dtype().isFloating() || !Arrays.equals(t.shape(), expected)) {
                throw new CheckpointException(adapter.dir() + ": does not fit base " + base.source() + ": module '" + m.module()
                        + "' makes a " + Arrays.toString(expected) + " update but the base's '" + target + "' is " + t.dtype() + " "
                        + t.shapeString() + " (was the adapter trained on another model?)");
            }
            if (moduleOf.put(target, m) != null) {
                throw new CheckpointException(adapter.dir() + ": two modules adapt the base's '" + target + "'");
            }
        }
        adapter.overrides().forEach((rel, key) -> {
            String target = resolve(rel);
            TensorInfo t = base.info(target);
            if (!Arrays.equals(t.shape(), adapter.weights().info(key).shape())) {
                throw new CheckpointException(adapter.dir() + ": tensor '" + key + "' is " + adapter.weights().info(key).shapeString()
                        + " but the base's '" + target + "' is " + t.shapeString());
            }
            overrideOf.put(target, key);
        });
    }

    /** The base's name for a module-relative tensor name: exact, else the one base name that ends with it (or it with). */
    private String resolve(String rel) {
        if (base.has(rel)) {
            return rel;
        }
        List<String> hits = base.names().stream().filter(n -> n.endsWith("." + rel) || rel.endsWith("." + n)).toList();
        if (hits.size() == 1) {
            return hits.get(0);
        }
        throw new CheckpointException(adapter.dir() + ": does not fit base " + base.source() + ": "
                + (hits.isEmpty() ? "no tensor '" + rel + "' there" : "'" + rel + "' could be any of " + hits)
                + " (was the adapter trained on another model?)");
    }

    @Override
    public boolean covers(String name) {
        return moduleOf.containsKey(name) || overrideOf.containsKey(name);
    }

    @Override
    public synchronized void read(String name, long start, float[] out, int offset, int count) {
        if (!name.equals(cachedName)) {
            float[] values = base.file(name).readFloats(name);
            float[] diff = difference(name);
            for (int i = 0; i < values.length; i++) {
                values[i] += diff[i];
            }
            cachedName = name;
            cachedValues = values;
        }
        System.arraycopy(cachedValues, Math.toIntExact(start), out, offset, count);
    }

    @Override
    public float[] difference(String name) {
        String key = overrideOf.get(name);
        if (key != null) {
            float[] saved = checked(key, adapter.weights().readFloats(key));
            float[] b = base.file(name).readFloats(name);
            for (int i = 0; i < saved.length; i++) {
                saved[i] -= b[i];
            }
            return saved;
        }
        PeftAdapter.Module m = moduleOf.get(name);
        if (m == null) {
            throw new IllegalArgumentException(adapter.dir() + " does not adapt '" + name + "'");
        }
        return delta(m);
    }

    /** scale·B·A laid out as the base weight, accumulated in double. */
    private float[] delta(PeftAdapter.Module m) {
        float[] a = checked(m.aTensor(), adapter.weights().readFloats(m.aTensor()));
        float[] b = checked(m.bTensor(), adapter.weights().readFloats(m.bTensor()));
        int r = m.rank();
        int in = a.length / r;
        int out = b.length / r;
        float[] d = new float[out * in];
        boolean transposed = m.kind() != PeftAdapter.Kind.LINEAR;
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            Arrays.fill(row, 0.0);
            for (int k = 0; k < r; k++) {
                double bok = b[o * r + k];
                int aRow = k * in;
                for (int i = 0; i < in; i++) {
                    row[i] += bok * a[aRow + i];
                }
            }
            for (int i = 0; i < in; i++) {
                float v = (float) (m.scale() * row[i]);
                if (transposed) {
                    d[i * out + o] = v;
                } else {
                    d[o * in + i] = v;
                }
            }
        }
        return d;
    }

    private float[] checked(String key, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException(adapter.weights().path() + ": tensor '" + key + "' holds " + values[i] + " at element " + i);
            }
        }
        return values;
    }

    @Override
    public String describe() {
        return adapter.toString();
    }

    @Override
    public void close() {
        adapter.close();
    }
}
