package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * The names of open_clip's {@code VisionTransformer} layout ({@code visual.*}) and the table relating them to the
 * canonical Hugging Face names ({@link #rules}); {@link ClipLayout#OPEN_CLIP} converts with it, using differentiable
 * views (split, transpose), so weights can be merged in open_clip layout and gradients still flow back to them.
 */
public final class OpenClipLayout {
    public static final String PREFIX = "visual.";
    public static final String CONV1 = "visual.conv1.weight";
    public static final String CLASS_EMBEDDING = "visual.class_embedding";
    public static final String POSITIONAL_EMBEDDING = "visual.positional_embedding";
    public static final String LN_PRE_WEIGHT = "visual.ln_pre.weight";
    public static final String LN_PRE_BIAS = "visual.ln_pre.bias";
    public static final String LN_POST_WEIGHT = "visual.ln_post.weight";
    public static final String LN_POST_BIAS = "visual.ln_post.bias";
    public static final String PROJ = "visual.proj";

    public static final String IN_PROJ_WEIGHT = "attn.in_proj_weight";
    public static final String IN_PROJ_BIAS = "attn.in_proj_bias";
    public static final String OUT_PROJ_WEIGHT = "attn.out_proj.weight";
    public static final String OUT_PROJ_BIAS = "attn.out_proj.bias";
    public static final String LN1_WEIGHT = "ln_1.weight";
    public static final String LN1_BIAS = "ln_1.bias";
    public static final String C_FC_WEIGHT = "mlp.c_fc.weight";
    public static final String C_FC_BIAS = "mlp.c_fc.bias";
    public static final String C_PROJ_WEIGHT = "mlp.c_proj.weight";
    public static final String C_PROJ_BIAS = "mlp.c_proj.bias";
    public static final String LN2_WEIGHT = "ln_2.weight";
    public static final String LN2_BIAS = "ln_2.bias";

    private static final String BLOCKS = "visual.transformer.resblocks.";

    private OpenClipLayout() {
    }

    /** {@code visual.transformer.resblocks.<i>.<suffix>}. */
    public static String block(int i, String suffix) {
        return BLOCKS + i + "." + suffix;
    }

    /**
     * The open_clip tensors and the canonical tensors each holds, in open_clip's order: the only description of this
     * layout ({@link ClipLayout} derives shapes and conversions from it).
     */
    public static ClipLayout.Table table() {
        return new ClipLayout.Table(List.of(
                new ClipLayout.Same(CLASS_EMBEDDING, ClipKeys.CLASS_EMBEDDING),
                new ClipLayout.Same(POSITIONAL_EMBEDDING, ClipKeys.POSITION_EMBEDDING),
                new ClipLayout.Same(CONV1, ClipKeys.PATCH_EMBEDDING),
                new ClipLayout.Same(LN_PRE_WEIGHT, ClipKeys.PRE_LN_WEIGHT),
                new ClipLayout.Same(LN_PRE_BIAS, ClipKeys.PRE_LN_BIAS)),
                i -> List.of(
                        new ClipLayout.Same(block(i, LN1_WEIGHT), ClipKeys.layer(i, ClipKeys.LN1_WEIGHT)),
                        new ClipLayout.Same(block(i, LN1_BIAS), ClipKeys.layer(i, ClipKeys.LN1_BIAS)),
                        new ClipLayout.Fused(block(i, IN_PROJ_WEIGHT), List.of(ClipKeys.layer(i, ClipKeys.Q_WEIGHT),
                                ClipKeys.layer(i, ClipKeys.K_WEIGHT), ClipKeys.layer(i, ClipKeys.V_WEIGHT))),
                        new ClipLayout.Fused(block(i, IN_PROJ_BIAS), List.of(ClipKeys.layer(i, ClipKeys.Q_BIAS),
                                ClipKeys.layer(i, ClipKeys.K_BIAS), ClipKeys.layer(i, ClipKeys.V_BIAS))),
                        new ClipLayout.Same(block(i, OUT_PROJ_WEIGHT), ClipKeys.layer(i, ClipKeys.OUT_WEIGHT)),
                        new ClipLayout.Same(block(i, OUT_PROJ_BIAS), ClipKeys.layer(i, ClipKeys.OUT_BIAS)),
                        new ClipLayout.Same(block(i, LN2_WEIGHT), ClipKeys.layer(i, ClipKeys.LN2_WEIGHT)),
                        new ClipLayout.Same(block(i, LN2_BIAS), ClipKeys.layer(i, ClipKeys.LN2_BIAS)),
                        new ClipLayout.Same(block(i, C_FC_WEIGHT), ClipKeys.layer(i, ClipKeys.FC1_WEIGHT)),
                        new ClipLayout.Same(block(i, C_FC_BIAS), ClipKeys.layer(i, ClipKeys.FC1_BIAS)),
                        new ClipLayout.Same(block(i, C_PROJ_WEIGHT), ClipKeys.layer(i, ClipKeys.FC2_WEIGHT)),
                        new ClipLayout.Same(block(i, C_PROJ_BIAS), ClipKeys.layer(i, ClipKeys.FC2_BIAS))),
                List.of(new ClipLayout.Same(LN_POST_WEIGHT, ClipKeys.POST_LN_WEIGHT),
                        new ClipLayout.Same(LN_POST_BIAS, ClipKeys.POST_LN_BIAS)),
                new ClipLayout.Transposed(PROJ, ClipKeys.PROJECTION));
    }

    /** Every parameter of a tower with this config in open_clip layout, with its shape. */
    public static Map<String, long[]> shapes(VitConfig c) {
        return ClipLayout.OPEN_CLIP.shapes(c);
    }

    /** {@link ClipLayout#toCanonical} of {@link ClipLayout#OPEN_CLIP}. */
    public static Map<String, NDArray> toCanonical(Map<String, NDArray> openClip, VitConfig config, NDManager scratch) {
        return ClipLayout.OPEN_CLIP.toCanonical(openClip, config, scratch);
    }

    /** {@link ClipLayout#fromCanonical} of {@link ClipLayout#OPEN_CLIP}. */
    public static Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, VitConfig config, NDManager into) {
        return ClipLayout.OPEN_CLIP.fromCanonical(canonical, config, into);
    }
}
