package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLIP vision tower's forward pass (canonical Hugging Face names) that also reports the input of every linear
 * layer, which RegMean needs. It performs the same operations in the same order as
 * {@link io.adamerge.model.ClipVisionTower#forward} (a test checks the outputs agree); it exists because that class
 * has no hooks. Inference only: no gradients are recorded.
 *
 * <p>Linear layers and the input they share ("site"): q/k/v projections read the first layer norm's output; the
 * attention output projection reads the attention context; fc1 reads the second layer norm's output; fc2 reads the
 * activation; the visual projection reads the pooled class token; and the patch embedding, a stride-p convolution,
 * is exactly a linear layer over flattened patches, so it is one too.
 */
public final class LinearInputs {
    /** Receives each linear layer input as a [rows, features] matrix, valid only during the call. */
    @FunctionalInterface
    public interface Observer {
        void input(String site, NDArray rows);
    }

    /** A linear weight (canonical name) and the site of its input; {@code [out, in]} after {@link #asMatrix}. */
    public record Layer(String weight, String site) {
    }

    public static final String PATCHES = "patches";
    public static final String POOLED = "pooled";

    private LinearInputs() {
    }

    static String site(int layer, String what) {
        return "layers." + layer + "." + what;
    }

    /** Every linear layer of a tower of {@code config}, with its input site. */
    public static List<Layer> layers(VitConfig config, boolean includePatchEmbedding) {
        List<Layer> out = new ArrayList<>();
        if (includePatchEmbedding) {
            out.add(new Layer(ClipKeys.PATCH_EMBEDDING, PATCHES));
        }
        for (int i = 0; i < config.numLayers(); i++) {
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.Q_WEIGHT), site(i, "ln1")));
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.K_WEIGHT), site(i, "ln1")));
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.V_WEIGHT), site(i, "ln1")));
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.OUT_WEIGHT), site(i, "context")));
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.FC1_WEIGHT), site(i, "ln2")));
            out.add(new Layer(ClipKeys.layer(i, ClipKeys.FC2_WEIGHT), site(i, "activation")));
        }
        if (config.hasProjection()) {
            out.add(new Layer(ClipKeys.PROJECTION, POOLED));
        }
        return out;
    }

    /** A linear weight as an [out, in] matrix (the patch embedding's [d, c, p, p] flattened), on its manager. */
    public static NDArray asMatrix(NDArray weight) {
        long out = weight.getShape().get(0);
        return weight.reshape(out, weight.getShape().size() / out);
    }

    /**
     * Runs the tower on {@code pixelValues} and reports the linear layer inputs to {@code observer}. Outputs are
     * attached to the manager of {@code pixelValues}; intermediates are released before returning.
     */
    public static VisionOutput forward(VitConfig config, Map<String, NDArray> w, NDArray pixelValues, Observer observer) {
        NDManager outputs = pixelValues.getManager();
        try (NDManager scratch = outputs.newSubManager()) {
            long batch = pixelValues.getShape().get(0);
            long d = config.hiddenSize();
            int p = config.patchSize();
            int c = config.numChannels();
            int g = config.gridSize();
            long t = config.numPositions();
            NDArray patches = pixelValues.reshape(batch, c, g, p, g, p);
            patches.attach(scratch);
            patches = patches.transpose(0, 2, 4, 1, 3, 5).reshape(batch, (long) g * g, (long) c * p * p);
            observer.input(PATCHES, patches.reshape(batch * g * g, (long) c * p * p));
            NDArray kernel = w.get(ClipKeys.PATCH_EMBEDDING).reshape(d, (long) c * p * p);
            kernel.attach(scratch);
            NDArray tokens = Linear.linear(patches, kernel).singletonOrThrow();
            NDArray cls = w.get(ClipKeys.CLASS_EMBEDDING).reshape(1, 1, d);
            cls.attach(scratch);
            cls = cls.broadcast(batch, 1, d);
            NDArray x = NDArrays.concat(new NDList(cls, tokens), 1);
            x = x.add(w.get(ClipKeys.POSITION_EMBEDDING));
            x = layerNorm(config, x, w.get(ClipKeys.PRE_LN_WEIGHT), w.get(ClipKeys.PRE_LN_BIAS));
            long heads = config.numHeads();
            long headDim = config.headDim();
            for (int i = 0; i < config.numLayers(); i++) {
                NDArray h = layerNorm(config, x, w.get(ClipKeys.layer(i, ClipKeys.LN1_WEIGHT)), w.get(ClipKeys.layer(i, ClipKeys.LN1_BIAS)));
                observer.input(site(i, "ln1"), h.reshape(batch * t, d));
                NDArray q = linear(h, w, i, ClipKeys.Q_WEIGHT, ClipKeys.Q_BIAS).mul((float) (1.0 / Math.sqrt(headDim)));
                NDArray k = linear(h, w, i, ClipKeys.K_WEIGHT, ClipKeys.K_BIAS);
                NDArray v = linear(h, w, i, ClipKeys.V_WEIGHT, ClipKeys.V_BIAS);
                q = q.reshape(batch, t, heads, headDim).transpose(0, 2, 1, 3);
                k = k.reshape(batch, t, heads, headDim).transpose(0, 2, 3, 1);
                v = v.reshape(batch, t, heads, headDim).transpose(0, 2, 1, 3);
                NDArray attention = q.matMul(k).softmax(-1);
                NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, t, d);
                observer.input(site(i, "context"), context.reshape(batch * t, d));
                x = x.add(linear(context, w, i, ClipKeys.OUT_WEIGHT, ClipKeys.OUT_BIAS));
                h = layerNorm(config, x, w.get(ClipKeys.layer(i, ClipKeys.LN2_WEIGHT)), w.get(ClipKeys.layer(i, ClipKeys.LN2_BIAS)));
                observer.input(site(i, "ln2"), h.reshape(batch * t, d));
                h = config.hiddenAct().apply(linear(h, w, i, ClipKeys.FC1_WEIGHT, ClipKeys.FC1_BIAS));
                observer.input(site(i, "activation"), h.reshape(batch * t, config.intermediateSize()));
                x = x.add(linear(h, w, i, ClipKeys.FC2_WEIGHT, ClipKeys.FC2_BIAS));
            }
            NDArray clsOut = x.get(new NDIndex(":, 0, :"));
            NDArray pooled = layerNorm(config, clsOut, w.get(ClipKeys.POST_LN_WEIGHT), w.get(ClipKeys.POST_LN_BIAS));
            NDArray embeds = null;
            if (config.hasProjection()) {
                observer.input(POOLED, pooled);
                embeds = Linear.linear(pooled, w.get(ClipKeys.PROJECTION)).singletonOrThrow();
            }
            pooled.attach(outputs);
            if (embeds != null) {
                embeds.attach(outputs);
            }
            return new VisionOutput(pooled, embeds);
        }
    }

    private static NDArray linear(NDArray x, Map<String, NDArray> w, int layer, String weight, String bias) {
        return Linear.linear(x, w.get(ClipKeys.layer(layer, weight)), w.get(ClipKeys.layer(layer, bias))).singletonOrThrow();
    }

    private static NDArray layerNorm(VitConfig config, NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), gamma, beta, (float) config.layerNormEps()).singletonOrThrow();
    }

    /** The input sites of {@code layers}, each once, in order. */
    static List<String> sites(List<Layer> layers) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        layers.forEach(l -> seen.put(l.site(), true));
        return new ArrayList<>(seen.keySet());
    }
}
