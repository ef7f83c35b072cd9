package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * open_clip's {@code VisionTransformer} layout ({@code visual.*}) and its conversion to and from the canonical
 * Hugging Face names. The conversion uses differentiable views (split, transpose), so weights can be merged in
 * open_clip layout and gradients still flow back to them.
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

    /** Tensors renamed one to one (open_clip suffix → canonical suffix) inside a block. */
    private static final Map<String, String> BLOCK_RENAMES = Map.of(
            OUT_PROJ_WEIGHT, ClipKeys.OUT_WEIGHT, OUT_PROJ_BIAS, ClipKeys.OUT_BIAS,
            LN1_WEIGHT, ClipKeys.LN1_WEIGHT, LN1_BIAS, ClipKeys.LN1_BIAS,
            C_FC_WEIGHT, ClipKeys.FC1_WEIGHT, C_FC_BIAS, ClipKeys.FC1_BIAS,
            C_PROJ_WEIGHT, ClipKeys.FC2_WEIGHT, C_PROJ_BIAS, ClipKeys.FC2_BIAS,
            LN2_WEIGHT, ClipKeys.LN2_WEIGHT, LN2_BIAS, ClipKeys.LN2_BIAS);

    /** Top-level tensors renamed one to one. */
    private static final Map<String, String> TOP_RENAMES = Map.of(
            CONV1, ClipKeys.PATCH_EMBEDDING, CLASS_EMBEDDING, ClipKeys.CLASS_EMBEDDING,
            POSITIONAL_EMBEDDING, ClipKeys.POSITION_EMBEDDING,
            LN_PRE_WEIGHT, ClipKeys.PRE_LN_WEIGHT, LN_PRE_BIAS, ClipKeys.PRE_LN_BIAS,
            LN_POST_WEIGHT, ClipKeys.POST_LN_WEIGHT, LN_POST_BIAS, ClipKeys.POST_LN_BIAS);

    private OpenClipLayout() {
    }

    /** {@code visual.transformer.resblocks.<i>.<suffix>}. */
    public static String block(int i, String suffix) {
        return BLOCKS + i + "." + suffix;
    }

    /** The block index of a per-block key, or -1. */
    static int blockIndex(String name) {
        if (!name.startsWith(BLOCKS)) {
            return -1;
        }
        int end = name.indexOf('.', BLOCKS.length());
        try {
            return Integer.parseInt(name.substring(BLOCKS.length(), end));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Every parameter of a tower with this config in open_clip layout, with its shape. */
    public static Map<String, long[]> shapes(VitConfig c) {
        long d = c.hiddenSize();
        long p = c.patchSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(CLASS_EMBEDDING, new long[] {d});
        s.put(POSITIONAL_EMBEDDING, new long[] {c.numPositions(), d});
        s.put(CONV1, new long[] {d, c.numChannels(), p, p});
        s.put(LN_PRE_WEIGHT, new long[] {d});
        s.put(LN_PRE_BIAS, new long[] {d});
        for (int i = 0; i < c.numLayers(); i++) {
            s.put(block(i, LN1_WEIGHT), new long[] {d});
            s.put(block(i, LN1_BIAS), new long[] {d});
            s.put(block(i, IN_PROJ_WEIGHT), new long[] {3 * d, d});
            s.put(block(i, IN_PROJ_BIAS), new long[] {3 * d});
            s.put(block(i, OUT_PROJ_WEIGHT), new long[] {d, d});
            s.put(block(i, OUT_PROJ_BIAS), new long[] {d});
            s.put(block(i, LN2_WEIGHT), new long[] {d});
            s.put(block(i, LN2_BIAS), new long[] {d});
            s.put(block(i, C_FC_WEIGHT), new long[] {c.intermediateSize(), d});
            s.put(block(i, C_FC_BIAS), new long[] {c.intermediateSize()});
            s.put(block(i, C_PROJ_WEIGHT), new long[] {d, c.intermediateSize()});
            s.put(block(i, C_PROJ_BIAS), new long[] {d});
        }
        s.put(LN_POST_WEIGHT, new long[] {d});
        s.put(LN_POST_BIAS, new long[] {d});
        if (c.hasProjection()) {
            s.put(PROJ, new long[] {d, c.projectionDim()});
        }
        return s;
    }

    /**
     * The canonical view of open_clip weights. Renamed tensors are the same NDArrays; the q/k/v slices of
     * {@code in_proj_*} and the transposed projection are new arrays (views, differentiable) attached to
     * {@code scratch}, so they are released when it closes while the caller's weights stay untouched.
     */
    public static Map<String, NDArray> toCanonical(Map<String, NDArray> openClip, VitConfig config, NDManager scratch) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        TOP_RENAMES.forEach((from, to) -> out.put(to, need(openClip, from)));
        for (int i = 0; i < config.numLayers(); i++) {
            NDList w = need(openClip, block(i, IN_PROJ_WEIGHT)).split(3, 0);
            NDList b = need(openClip, block(i, IN_PROJ_BIAS)).split(3, 0);
            w.attach(scratch);
            b.attach(scratch);
            out.put(ClipKeys.layer(i, ClipKeys.Q_WEIGHT), w.get(0));
            out.put(ClipKeys.layer(i, ClipKeys.K_WEIGHT), w.get(1));
            out.put(ClipKeys.layer(i, ClipKeys.V_WEIGHT), w.get(2));
            out.put(ClipKeys.layer(i, ClipKeys.Q_BIAS), b.get(0));
            out.put(ClipKeys.layer(i, ClipKeys.K_BIAS), b.get(1));
            out.put(ClipKeys.layer(i, ClipKeys.V_BIAS), b.get(2));
            for (Map.Entry<String, String> e : BLOCK_RENAMES.entrySet()) {
                out.put(ClipKeys.layer(i, e.getValue()), need(openClip, block(i, e.getKey())));
            }
        }
        if (config.hasProjection()) {
            NDArray proj = need(openClip, PROJ).transpose();
            proj.attach(scratch);
            out.put(ClipKeys.PROJECTION, proj);
        }
        return out;
    }

    /**
     * The open_clip layout of canonical weights: q/k/v concatenated into {@code in_proj_*}, the projection
     * transposed. New arrays are attached to {@code into}; renamed ones are the same NDArrays.
     */
    public static Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, VitConfig config, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        TOP_RENAMES.forEach((openClipName, canonicalName) -> out.put(openClipName, need(canonical, canonicalName)));
        for (int i = 0; i < config.numLayers(); i++) {
            NDList w = new NDList(need(canonical, ClipKeys.layer(i, ClipKeys.Q_WEIGHT)),
                    need(canonical, ClipKeys.layer(i, ClipKeys.K_WEIGHT)), need(canonical, ClipKeys.layer(i, ClipKeys.V_WEIGHT)));
            NDList b = new NDList(need(canonical, ClipKeys.layer(i, ClipKeys.Q_BIAS)),
                    need(canonical, ClipKeys.layer(i, ClipKeys.K_BIAS)), need(canonical, ClipKeys.layer(i, ClipKeys.V_BIAS)));
            NDArray inW = NDArrays.concat(w, 0);
            NDArray inB = NDArrays.concat(b, 0);
            inW.attach(into);
            inB.attach(into);
            out.put(block(i, IN_PROJ_WEIGHT), inW);
            out.put(block(i, IN_PROJ_BIAS), inB);
            for (Map.Entry<String, String> e : BLOCK_RENAMES.entrySet()) {
                out.put(block(i, e.getKey()), need(canonical, ClipKeys.layer(i, e.getValue())));
            }
        }
        if (config.hasProjection()) {
            NDArray proj = need(canonical, ClipKeys.PROJECTION).transpose();
            proj.attach(into);
            out.put(PROJ, proj);
        }
        return out;
    }

    private static NDArray need(Map<String, NDArray> weights, String name) {
        NDArray a = weights.get(name);
        if (a == null) {
            throw new CheckpointException("missing weight '" + name + "'");
        }
        return a;
    }
}
