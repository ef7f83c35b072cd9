package io.adamerge.model;

import java.util.LinkedHashMap;
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

    /** The layer index of a per-layer key, or -1. */
    static int layerIndex(String name) {
        if (!name.startsWith(LAYERS)) {
            return -1;
        }
        int end = name.indexOf('.', LAYERS.length());
        try {
            return Integer.parseInt(name.substring(LAYERS.length(), end));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Every parameter of a tower with this config and its shape, in Hugging Face's order. */
    public static Map<String, long[]> shapes(VitConfig c) {
        long d = c.hiddenSize();
        long p = c.patchSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(CLASS_EMBEDDING, new long[] {d});
        s.put(PATCH_EMBEDDING, new long[] {d, c.numChannels(), p, p});
        s.put(POSITION_EMBEDDING, new long[] {c.numPositions(), d});
        s.put(PRE_LN_WEIGHT, new long[] {d});
        s.put(PRE_LN_BIAS, new long[] {d});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                s.put(layer(i, "self_attn." + proj + ".weight"), new long[] {d, d});
                s.put(layer(i, "self_attn." + proj + ".bias"), new long[] {d});
            }
            s.put(layer(i, LN1_WEIGHT), new long[] {d});
            s.put(layer(i, LN1_BIAS), new long[] {d});
            s.put(layer(i, FC1_WEIGHT), new long[] {c.intermediateSize(), d});
            s.put(layer(i, FC1_BIAS), new long[] {c.intermediateSize()});
            s.put(layer(i, FC2_WEIGHT), new long[] {d, c.intermediateSize()});
            s.put(layer(i, FC2_BIAS), new long[] {d});
            s.put(layer(i, LN2_WEIGHT), new long[] {d});
            s.put(layer(i, LN2_BIAS), new long[] {d});
        }
        s.put(POST_LN_WEIGHT, new long[] {d});
        s.put(POST_LN_BIAS, new long[] {d});
        if (c.hasProjection()) {
            s.put(PROJECTION, new long[] {c.projectionDim(), d});
        }
        return s;
    }
}
