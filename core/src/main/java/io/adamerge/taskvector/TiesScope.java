package io.adamerge.taskvector;

import java.util.Locale;

/** Over what Ties trims each task vector to its top-density magnitudes. */
public enum TiesScope {
    /**
     * The whole task vector (all floating tensors flattened), as the official TIES / AdaMerging code:
     * threshold = the (d − int(density·d))-th smallest magnitude, keep entries ≥ it; where the sum of the
     * trimmed vectors is exactly 0 the elected sign is the sign of the sum of all elected signs.
     */
    GLOBAL,
    /**
     * Each tensor on its own, as mergekit: keep the int(density·n) largest magnitudes of the tensor (entries
     * tied with the smallest kept magnitude are all kept); a zero sum elects +1.
     */
    PER_TENSOR;

    /** "global", "per-tensor" (also "per_tensor"). */
    public static TiesScope parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "global" -> GLOBAL;
            case "per-tensor" -> PER_TENSOR;
            default -> throw new IllegalArgumentException("Ties scope must be global or per-tensor, got '" + s + "'");
        };
    }

    public String label() {
        return this == GLOBAL ? "global" : "per-tensor";
    }
}
