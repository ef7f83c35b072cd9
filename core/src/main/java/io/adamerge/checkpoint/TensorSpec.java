package io.adamerge.checkpoint;

import java.util.Arrays;

/** Name, element type and shape of a tensor to be written. */
public record TensorSpec(String name, DType dtype, long[] shape) {
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteLength() {
        return Math.multiplyExact(numel(), dtype.byteSize());
    }

    public static TensorSpec of(TensorInfo info) {
        return new TensorSpec(info.name(), info.dtype(), info.shape().clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec s && name.equals(s.name) && dtype == s.dtype && Arrays.equals(shape, s.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
