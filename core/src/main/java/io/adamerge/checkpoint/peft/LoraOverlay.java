package io.adamerge.checkpoint.peft;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorOverlay;

import io.adamerge.checkpoint.SafetensorsFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapted tensors of a {@link PeftAdapter} over its base: {@code W + scale·B·A} (or the trained bias saved whole).
 * One materialised tensor is kept (the one being streamed), so memory stays one matrix per adapter. The base's and the
 * adapter's tensors are read with positioned reads, never through the file mappings: every adapter holds its own copy of
 * the base, and mapped pages touched through N copies would count N times in the process's resident memory.
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
    private final ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private static final int SCRATCH_BYTES = 1 << 20;

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
            float[] values = positioned(base.file(name), name);
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
            float[] saved = checked(key, positioned(adapter.weights(), key));
            float[] b = positioned(base.file(name), name);
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
        float[] a = checked(m.aTensor(), positioned(adapter.weights(), m.aTensor()));
        float[] b = checked(m.bTensor(), positioned(adapter.weights(), m.bTensor()));
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

    /** A whole floating tensor as F32, by positioned reads through the scratch buffer (no mapped page stays resident). */
    private synchronized float[] positioned(SafetensorsFile file, String name) {
        TensorInfo t = file.info(name);
        float[] out = new float[Math.toIntExact(t.numel())];
        int chunk = SCRATCH_BYTES / t.dtype().byteSize();
        for (int from = 0; from < out.length; from += chunk) {
            int n = Math.min(chunk, out.length - from);
            file.readFloats(name, from, out, from, n, scratch);
        }
        return out;
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
