package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.adamerge.checkpoint.CheckpointException;
import java.util.Arrays;
import java.util.Map;

/**
 * The CLIP vision transformer as a pure function of its weights (canonical Hugging Face names, see
 * {@link ClipKeys}): patch convolution without bias, class token, position embedding, pre-layernorm,
 * pre-LN blocks of multi-head self-attention and MLP, post-layernorm on the class token, optional projection.
 *
 * <p>Nothing is cached between calls, so the weights may be any differentiable function of other arrays
 * (merged weights θ = θ_pre + Σ λ_k T_k) and a {@link ai.djl.training.GradientCollector} gets gradients
 * through them.
 */
public final class ClipVisionTower {
    private final VitConfig config;
    private final Map<String, long[]> expectedShapes;

    public ClipVisionTower(VitConfig config) {
        this.config = config;
        this.expectedShapes = ClipKeys.shapes(config);
    }

    public VitConfig config() {
        return config;
    }

    /**
     * Checks that every weight the config needs is there with the right shape and is float32.
     *
     * @throws CheckpointException naming the first missing or misshapen tensor
     */
    public void validate(Map<String, NDArray> weights) {
        for (Map.Entry<String, long[]> e : expectedShapes.entrySet()) {
            NDArray a = weights.get(e.getKey());
            if (a == null) {
                throw new CheckpointException("missing weight '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(a.getShape().getShape(), e.getValue())) {
                throw new CheckpointException("weight '" + e.getKey() + "' has shape " + Arrays.toString(a.getShape().getShape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
    }

    /**
     * Runs the tower on {@code pixelValues} [batch, channels, image_size, image_size]. Intermediates live in a
     * scratch manager closed before returning (autograd keeps what backward needs); the outputs are attached
     * to the manager of {@code pixelValues}, so run each batch inside its own sub-manager.
     */
    public VisionOutput forward(Map<String, NDArray> w, NDArray pixelValues) {
        return forward(w, pixelValues, null);
    }

    /**
     * Receives the input of every linear layer as a [rows, features] matrix, valid only during the call (RegMean's
     * Gram matrices). Sites: {@link #PATCHES} (the patch embedding, a stride-p convolution, is exactly a linear layer
     * over flattened patches), per layer {@code ln1} (q/k/v), {@code context} (attention output), {@code ln2} (fc1),
     * {@code activation} (fc2), and {@link #POOLED} (the visual projection).
     */
    @FunctionalInterface
    public interface LinearInputObserver {
        String PATCHES = "patches";
        String POOLED = "pooled";

        /** The site name of {@code what} in block {@code layer}. */
        static String site(int layer, String what) {
            return "layers." + layer + "." + what;
        }

        void input(String site, NDArray rows);
    }

    /** {@link #forward(Map, NDArray)} that also reports each linear layer's input to {@code observer} (null: none). */
    public VisionOutput forward(Map<String, NDArray> w, NDArray pixelValues, LinearInputObserver observer) {
        validate(w);
        long[] in = pixelValues.getShape().getShape();
        if (in.length != 4 || in[1] != config.numChannels() || in[2] != config.imageSize() || in[3] != config.imageSize()) {
            throw new IllegalArgumentException("pixel_values has shape " + Arrays.toString(in) + ", expected [batch, "
                    + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        NDManager outputs = pixelValues.getManager();
        try (NDManager scratch = outputs.newSubManager()) {
            long batch = in[0];
            long d = config.hiddenSize();
            int p = config.patchSize();
            int c = config.numChannels();
            int g = config.gridSize();
            // The stride-p, kernel-p convolution as one matrix product over flattened patches: the same sums,
            // computed by GEMM in both directions (faster than the convolution kernels for this shape).
            NDArray patches = pixelValues.reshape(batch, c, g, p, g, p);
            patches.attach(scratch);
            patches = patches.transpose(0, 2, 4, 1, 3, 5).reshape(batch, (long) g * g, (long) c * p * p);
            if (observer != null) {
                observer.input(LinearInputObserver.PATCHES, patches.reshape(batch * g * g, (long) c * p * p));
            }
            NDArray kernel = w.get(ClipKeys.PATCH_EMBEDDING).reshape(d, (long) c * p * p);
            kernel.attach(scratch);
            NDArray tokens = Linear.linear(patches, kernel).singletonOrThrow();
            NDArray cls = w.get(ClipKeys.CLASS_EMBEDDING).reshape(1, 1, d);
            cls.attach(scratch);
            cls = cls.broadcast(batch, 1, d);
            NDArray x = NDArrays.concat(new NDList(cls, tokens), 1);
            x = x.add(w.get(ClipKeys.POSITION_EMBEDDING));
            x = layerNorm(x, w.get(ClipKeys.PRE_LN_WEIGHT), w.get(ClipKeys.PRE_LN_BIAS));
            // Constants that backward reads go on the outputs' manager, not the scratch one: DJL makes an NDArray over
            // a Java direct buffer for x.mul(2f) and closes it at once, and autograd keeps the tensor but not the
            // buffer, which the garbage collector may free before backward (garbage or NaN gradients).
            NDArray queryScale = outputs.create((float) (1.0 / Math.sqrt(config.headDim())));
            for (int i = 0; i < config.numLayers(); i++) {
                x = block(x, w, i, batch, queryScale, outputs, observer);
            }
            NDArray clsOut = x.get(new NDIndex(":, 0, :"));
            NDArray pooled = layerNorm(clsOut, w.get(ClipKeys.POST_LN_WEIGHT), w.get(ClipKeys.POST_LN_BIAS));
            NDArray embeds = null;
            if (config.hasProjection()) {
                if (observer != null) {
                    observer.input(LinearInputObserver.POOLED, pooled);
                }
                embeds = Linear.linear(pooled, w.get(ClipKeys.PROJECTION)).singletonOrThrow();
            }
            pooled.attach(outputs);
            if (embeds != null) {
                embeds.attach(outputs);
            }
            return new VisionOutput(pooled, embeds);
        }
    }

    private NDArray block(NDArray x, Map<String, NDArray> w, int i, long batch, NDArray queryScale, NDManager constants,
                          LinearInputObserver observer) {
        long t = config.numPositions();
        long heads = config.numHeads();
        long headDim = config.headDim();
        long d = config.hiddenSize();
        NDArray h = layerNorm(x, w.get(ClipKeys.layer(i, ClipKeys.LN1_WEIGHT)), w.get(ClipKeys.layer(i, ClipKeys.LN1_BIAS)));
        report(observer, i, "ln1", h, batch * t, d);
        // Hugging Face scales the query after its projection; the same for open_clip up to rounding
        NDArray q = linear(h, w, i, ClipKeys.Q_WEIGHT, ClipKeys.Q_BIAS).mul(queryScale);
        NDArray k = linear(h, w, i, ClipKeys.K_WEIGHT, ClipKeys.K_BIAS);
        NDArray v = linear(h, w, i, ClipKeys.V_WEIGHT, ClipKeys.V_BIAS);
        q = q.reshape(batch, t, heads, headDim).transpose(0, 2, 1, 3);
        k = k.reshape(batch, t, heads, headDim).transpose(0, 2, 3, 1);
        v = v.reshape(batch, t, heads, headDim).transpose(0, 2, 1, 3);
        NDArray attention = q.matMul(k).softmax(-1);
        NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, t, d);
        report(observer, i, "context", context, batch * t, d);
        x = x.add(linear(context, w, i, ClipKeys.OUT_WEIGHT, ClipKeys.OUT_BIAS));
        h = layerNorm(x, w.get(ClipKeys.layer(i, ClipKeys.LN2_WEIGHT)), w.get(ClipKeys.layer(i, ClipKeys.LN2_BIAS)));
        report(observer, i, "ln2", h, batch * t, d);
        h = config.hiddenAct().apply(linear(h, w, i, ClipKeys.FC1_WEIGHT, ClipKeys.FC1_BIAS), constants);
        report(observer, i, "activation", h, batch * t, config.intermediateSize());
        return x.add(linear(h, w, i, ClipKeys.FC2_WEIGHT, ClipKeys.FC2_BIAS));
    }

    private static void report(LinearInputObserver observer, int layer, String what, NDArray x, long rows, long features) {
        if (observer != null) {
            observer.input(LinearInputObserver.site(layer, what), x.reshape(rows, features));
        }
    }

    private static NDArray linear(NDArray x, Map<String, NDArray> w, int layer, String weight, String bias) {
        return Linear.linear(x, w.get(ClipKeys.layer(layer, weight)), w.get(ClipKeys.layer(layer, bias))).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), gamma, beta, (float) config.layerNormEps()).singletonOrThrow();
    }
}
