package io.adamerge.checkpoint;

import java.util.Locale;

/** Safetensors element types. Floating types are merged (in F32); the others are carried through. */
public enum DType {
    F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false), U8(1, false), BOOL(1, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Whether tensors of this type are parameters that merges compute on. */
    public boolean isFloating() {
        return floating;
    }

    /** Parses a safetensors dtype string; null when unknown. */
    public static DType parse(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
