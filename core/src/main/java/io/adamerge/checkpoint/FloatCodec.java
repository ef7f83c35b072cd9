package io.adamerge.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversion between stored element bytes (little-endian) and F32 compute values. */
public final class FloatCodec {
    private FloatCodec() {
    }

    /** Decodes {@code out.length} floating elements of {@code dtype} from {@code src} starting at its position. */
    public static void decode(DType dtype, ByteBuffer src, float[] out, int offset, int count) {
        ByteBuffer b = src.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out, offset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[offset + i] = halfToFloat(b.getShort(b.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[offset + i] = Float.intBitsToFloat((b.getShort(b.position() + 2 * i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[offset + i] = (float) b.getDouble(b.position() + 8 * i);
                }
            }
            default -> throw new IllegalArgumentException("not a floating dtype: " + dtype);
        }
    }

    /** Encodes {@code count} values into {@code dst} at its position, advancing it. */
    public static void encode(DType dtype, float[] values, int offset, int count, ByteBuffer dst) {
        ByteBuffer b = dst.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> {
                b.asFloatBuffer().put(values, offset, count);
                b.position(b.position() + 4 * count);
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    b.putShort(floatToHalf(values[offset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    b.putShort(floatToBf16(values[offset + i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    b.putDouble(values[offset + i]);
                }
            }
            default -> throw new IllegalArgumentException("not a floating dtype: " + dtype);
        }
    }

    /** Round-to-nearest-even F32 → BF16, as PyTorch does; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE 754 binary16 → binary32 (exact; Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: value = mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** IEEE 754 binary32 → binary16, round to nearest even, overflow to infinity, NaN kept NaN. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            // subnormal result: shift the full significand, rounding to nearest even
            int full = mant | 0x800000;
            int shift = 14 - e;
            int half = full >>> shift;
            int rem = full & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct rounding (up to infinity)
        }
        return (short) (sign | half);
    }
}
