package io.adamerge.testing;

import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small random checkpoints for tests: a few float tensors plus an I64 position_ids buffer. */
public final class Models {
    public static final String POSITION_IDS = "embeddings.position_ids";

    private Models() {
    }

    /** Random shapes (some tensors large enough to span several chunks when the chunk is small). */
    public static Map<String, long[]> shapes(Random r) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("layer.0.weight", new long[] {1 + r.nextInt(40), 1 + r.nextInt(30)});
        s.put("layer.0.bias", new long[] {1 + r.nextInt(40)});
        s.put("embeddings.class", new long[] {1 + r.nextInt(17)});
        s.put("layer.1.weight", new long[] {2, 1 + r.nextInt(5), 1 + r.nextInt(9)});
        return s;
    }

    /** Values with a realistic spread, some exact zeros and duplicated magnitudes (ties in the selection). */
    public static Map<String, FloatTensor> random(Random r, Map<String, long[]> shapes, float scale) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                int kind = r.nextInt(20);
                v[i] = kind == 0 ? 0f : kind == 1 ? (r.nextBoolean() ? scale : -scale) : (float) (r.nextGaussian() * scale);
            }
            out.put(e.getKey(), new FloatTensor(e.getValue().clone(), v));
        }
        return out;
    }

    /** base + noise, so that task vectors are small against the weights, as after fine-tuning. */
    public static Map<String, FloatTensor> fineTuned(Random r, Map<String, FloatTensor> base, float scale) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : base.entrySet()) {
            float[] b = e.getValue().data();
            float[] v = new float[b.length];
            for (int i = 0; i < v.length; i++) {
                int kind = r.nextInt(25);
                v[i] = kind == 0 ? b[i] : b[i] + (float) (r.nextGaussian() * scale);
            }
            out.put(e.getKey(), new FloatTensor(e.getValue().shape().clone(), v));
        }
        return out;
    }

    /** Writes the tensors in {@code dtype} plus an I64 position_ids tensor [1, 7]. */
    public static Path write(Path file, Map<String, FloatTensor> tensors, DType dtype, Map<String, String> metadata) {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            specs.add(new TensorSpec(e.getKey(), dtype, e.getValue().shape()));
        }
        specs.add(new TensorSpec(POSITION_IDS, DType.I64, new long[] {1, 7}));
        try (SafetensorsWriter w = new SafetensorsWriter(file, specs, metadata)) {
            for (FloatTensor t : tensors.values()) {
                w.writeFloats(t.data());
            }
            ByteBuffer ids = ByteBuffer.allocate(7 * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < 7; i++) {
                ids.putLong(i);
            }
            ids.flip();
            w.writeBytes(ids);
            w.commit();
        }
        return file;
    }

    public static Path write(Path file, Map<String, FloatTensor> tensors) {
        return write(file, tensors, DType.F32, Map.of());
    }
}
