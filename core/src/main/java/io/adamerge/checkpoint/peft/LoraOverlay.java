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
 * A read computes only the requested elements from the module's factors, so memory per adapter is its factors (r·(in +
 * out) values) and the chunk being streamed, flat in the size of the matrices; the whole-tensor {@link #difference} is
 * for the methods that need whole task vectors. The base's and the
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

    /** The factors of the module being streamed (one module at a time per adapter). */
    private String factorsOf;
    private float[] factorA;
    private float[] factorB;
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

    /**
     * Elements of {@code W + scale·B·A} computed for the requested range only: the base's range by positioned reads,
     * plus each element's {@code scale·Σ_k B[o,k]·A[k,i]} from the module's factors (kept for the module being
     * streamed: r·(in + out) values). Memory per adapter is its factors and the chunk, never a whole matrix.
     */
    @Override
    public synchronized void read(String name, long start, float[] out, int offset, int count) {
        String key = overrideOf.get(name);
        if (key != null) {
            readRange(adapter.weights(), key, start, out, offset, count);
            checked(key, out, offset, count);
            return;
        }
        PeftAdapter.Module m = moduleOf.get(name);
        if (m == null) {
            throw new IllegalArgumentException(adapter.dir() + " does not adapt '" + name + "'");
        }
        readRange(base.file(name), name, start, out, offset, count);
        if (!m.module().equals(factorsOf)) {
            factorA = checked(m.aTensor(), positioned(adapter.weights(), m.aTensor()));
            factorB = checked(m.bTensor(), positioned(adapter.weights(), m.bTensor()));
            factorsOf = m.module();
        }
        int r = m.rank();
        int in = factorA.length / r;
        int outDim = factorB.length / r;
        boolean transposed = m.kind() != PeftAdapter.Kind.LINEAR;
        int rowLength = transposed ? outDim : in; // the base layout: [out, in], or [in, out] when transposed
        for (int j = 0; j < count; j++) {
            long e = start + j;
            int row = (int) (e / rowLength);
            int col = (int) (e % rowLength);
            int o = transposed ? col : row;
            int i = transposed ? row : col;
            double sum = 0.0;
            for (int k = 0; k < r; k++) {
                sum += (double) factorB[o * r + k] * factorA[k * in + i];
            }
            out[offset + j] += (float) (m.scale() * sum);
        }
    }

    /** Elements [start, start + count) of a floating tensor by positioned reads through the scratch buffer. */
    private void readRange(SafetensorsFile file, String name, long start, float[] out, int offset, int count) {
        int chunk = SCRATCH_BYTES / file.info(name).dtype().byteSize();
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            file.readFloats(name, start + done, out, offset + done, n, scratch);
        }
    }

    private void checked(String key, float[] values, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException(adapter.weights().path() + ": tensor '" + key + "' holds " + values[i] + " at element "
                        + (i - offset));
            }
        }
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
        float[] out = new float[Math.toIntExact(file.info(name).numel())];
        readRange(file, name, 0, out, 0, out.length);
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
