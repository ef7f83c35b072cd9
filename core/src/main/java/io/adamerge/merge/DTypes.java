package io.adamerge.merge;

import io.adamerge.checkpoint.DType;
import java.util.Locale;

/** The dtype names a merge config accepts. */
public final class DTypes {
    private DTypes() {
    }

    /** float32/f32/fp32, float16/f16/fp16/half, bfloat16/bf16; null stays null (keep each input tensor's dtype). */
    public static DType parse(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "fp32" -> DType.F32;
            case "float16", "f16", "fp16", "half" -> DType.F16;
            case "bfloat16", "bf16" -> DType.BF16;
            default -> throw new MergeConfigException("dtype must be float32, float16 or bfloat16, got '" + name + "'");
        };
    }
}
