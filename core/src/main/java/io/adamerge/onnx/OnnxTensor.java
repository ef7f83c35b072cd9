package io.adamerge.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense ONNX tensor (an initializer or a Constant's value): its element type, dimensions and little-endian
 * element bytes. The bytes may be a view of the file's memory mapping; {@link #raw()} returns a fresh view.
 */
public record OnnxTensor(String name, OnnxDataType dataType, long[] dims, ByteBuffer data) {
    public OnnxTensor {
        dims = dims.clone();
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** The element bytes, little-endian, positioned at the first element. */
    public ByteBuffer raw() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The elements of a FLOAT tensor. */
    public float[] floats() {
        require(OnnxDataType.FLOAT);
        float[] out = new float[Math.toIntExact(numel())];
        raw().asFloatBuffer().get(out);
        return out;
    }

    /** The elements of an INT64 or INT32 tensor, widened to long. */
    public long[] longs() {
        long[] out = new long[Math.toIntExact(numel())];
        if (dataType == OnnxDataType.INT64) {
            raw().asLongBuffer().get(out);
        } else if (dataType == OnnxDataType.INT32) {
            var ints = raw().asIntBuffer();
            for (int i = 0; i < out.length; i++) {
                out[i] = ints.get(i);
            }
        } else {
            throw new IllegalStateException("tensor '" + name + "' is " + dataType + ", not an integer tensor");
        }
        return out;
    }

    private void require(OnnxDataType type) {
        if (dataType != type) {
            throw new IllegalStateException("tensor '" + name + "' is " + dataType + ", not " + type);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnnxTensor t && name.equals(t.name) && dataType == t.dataType && Arrays.equals(dims, t.dims)
                && raw().equals(t.raw());
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return "OnnxTensor[" + name + ", " + dataType + " " + Arrays.toString(dims) + "]";
    }
}
