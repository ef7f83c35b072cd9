package io.adamerge.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Canonical weight names: those of Hugging Face {@code CLIPVisionModelWithProjection}. */
public final class ClipKeys {
    public static final String PREFIX = "vision_model.";
    public static final String CLASS_EMBEDDING = "vision_model.embeddings.class_embedding";
    public static final String PATCH_EMBEDDING = "vision_model.embeddings.patch_embedding.weight";
    public static final String POSITION_EMBEDDING = "vision_model.embeddings.position_embedding.weight";
    /** An int64 buffer real checkpoints carry; not a parameter. */
    public static final String POSITION_IDS = "vision_model.embeddings.position_ids";
    public static final String PRE_LN_WEIGHT = "vision_model.pre_layrnorm.weight";
    public static final String PRE_LN_BIAS = "vision_model.pre_layrnorm.bias";
    public static final String POST_LN_WEIGHT = "vision_model.post_layernorm.weight";
    public static final String POST_LN_BIAS = "vision_model.post_layernorm.bias";
    public static final String PROJECTION = "visual_projection.weight";

    /** The per-layer suffixes, in the order Hugging Face writes them. */
    public static final String Q_WEIGHT = "self_attn.q_proj.weight";
    public static final String Q_BIAS = "self_attn.q_proj.bias";
    public static final String K_WEIGHT = "self_attn.k_proj.weight";
    public static final String K_BIAS = "self_attn.k_proj.bias";
    public static final String V_WEIGHT = "self_attn.v_proj.weight";
    public static final String V_BIAS = "self_attn.v_proj.bias";
    public static final String OUT_WEIGHT = "self_attn.out_proj.weight";
    public static final String OUT_BIAS = "self_attn.out_proj.bias";
    public static final String LN1_WEIGHT = "layer_norm1.weight";
    public static final String LN1_BIAS = "layer_norm1.bias";
    public static final String FC1_WEIGHT = "mlp.fc1.weight";
    public static final String FC1_BIAS = "mlp.fc1.bias";
    public static final String FC2_WEIGHT = "mlp.fc2.weight";
    public static final String FC2_BIAS = "mlp.fc2.bias";
    public static final String LN2_WEIGHT = "layer_norm2.weight";
    public static final String LN2_BIAS = "layer_norm2.bias";

    private static final String LAYERS = "vision_model.encoder.layers.";

    private ClipKeys() {
    }

    /** {@code vision_model.encoder.layers.<i>.<suffix>}. */
    public static String layer(int i, String suffix) {
        return LAYERS + i + "." + suffix;
    }

    /** Whether a checkpoint tensor belongs to the vision tower in this layout. */
    public static boolean isVisionKey(String name) {
        return name.startsWith(PREFIX) || name.equals(PROJECTION);
    }

    /** The per-layer tensors, in Hugging Face's order. */
    private static final List<String> BLOCK = List.of(Q_WEIGHT, Q_BIAS, K_WEIGHT, K_BIAS, V_WEIGHT, V_BIAS, OUT_WEIGHT, OUT_BIAS,
            LN1_WEIGHT, LN1_BIAS, FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS, LN2_WEIGHT, LN2_BIAS);

    /** Every parameter of a tower with this config and its shape, in Hugging Face's order. */
    public static Map<String, long[]> shapes(VitConfig c) {
        long d = c.hiddenSize();
        long p = c.patchSize();
        long mlp = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(CLASS_EMBEDDING, new long[] {d});
        s.put(PATCH_EMBEDDING, new long[] {d, c.numChannels(), p, p});
        s.put(POSITION_EMBEDDING, new long[] {c.numPositions(), d});
        s.put(PRE_LN_WEIGHT, new long[] {d});
        s.put(PRE_LN_BIAS, new long[] {d});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String suffix : BLOCK) {
                boolean bias = suffix.endsWith(".bias");
                long[] shape = switch (suffix) {
                    case FC1_WEIGHT -> new long[] {mlp, d};
                    case FC1_BIAS -> new long[] {mlp};
                    case FC2_WEIGHT -> new long[] {d, mlp};
                    case LN1_WEIGHT, LN2_WEIGHT -> new long[] {d};
                    default -> bias ? new long[] {d} : new long[] {d, d};
                };
                s.put(layer(i, suffix), shape);
            }
        }
        s.put(POST_LN_WEIGHT, new long[] {d});
        s.put(POST_LN_BIAS, new long[] {d});
        if (c.hasProjection()) {
            s.put(PROJECTION, new long[] {c.projectionDim(), d});
        }
        return s;
    }

    /** The canonical layout's table: every tensor is itself ({@link ClipLayout#HUGGING_FACE}). */
    static ClipLayout.Table table() {
        return new ClipLayout.Table(
                same(CLASS_EMBEDDING, PATCH_EMBEDDING, POSITION_EMBEDDING, PRE_LN_WEIGHT, PRE_LN_BIAS),
                i -> BLOCK.stream().<ClipLayout.Rule>map(suffix -> new ClipLayout.Same(layer(i, suffix), layer(i, suffix))).toList(),
                same(POST_LN_WEIGHT, POST_LN_BIAS), new ClipLayout.Same(PROJECTION, PROJECTION));
    }

    private static List<ClipLayout.Rule> same(String... names) {
        return java.util.Arrays.stream(names).<ClipLayout.Rule>map(n -> new ClipLayout.Same(n, n)).toList();
    }
}
