package io.adamerge.io;

/**
 * The finiteness half of the input policy: every tensor entering a computation and every result before it is
 * written is scanned for NaN and ±Inf, and the first one found is reported with where it came from.
 */
public final class Finite {
    private Finite() {
    }

    /** Index of the first NaN/±Inf in {@code values[from, from + count)}, or -1. */
    public static int firstNonFinite(float[] values, int from, int count) {
        for (int i = from; i < from + count; i++) {
            // exponent all ones = NaN or infinity
            if ((Float.floatToRawIntBits(values[i]) & 0x7f800000) == 0x7f800000) {
                return i;
            }
        }
        return -1;
    }

    public static int firstNonFinite(float[] values) {
        return firstNonFinite(values, 0, values.length);
    }

    /**
     * Throws {@link NonFiniteException} if a value is NaN or infinite.
     *
     * @param where what the values are, e.g. {@code "head_0.safetensors: tensor 'weight'"}
     */
    public static void require(float[] values, String where) {
        int i = firstNonFinite(values);
        if (i >= 0) {
            throw new NonFiniteException(where + " holds " + values[i] + " at element " + i);
        }
    }

    /** A NaN or infinity where none may be. */
    public static final class NonFiniteException extends IllegalArgumentException {
        public NonFiniteException(String message) {
            super(message);
        }
    }
}
