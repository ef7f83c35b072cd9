package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random CLIP-like weights for a config, in canonical names: the initialisation of Hugging Face's
 * {@code CLIPPreTrainedModel} (factor 1): normal embeddings, depth-scaled attention and MLP weights, zero biases,
 * unit layer-norm gains.
 */
public final class VitInit {
    private static final double INITIALIZER_RANGE = 0.02;

    private VitInit() {
    }

    /**
     * Fresh weights on {@code manager}. The engine's random seed is set to {@code seed} first, so the same seed
     * gives the same weights on the same engine.
     */
    public static Map<String, NDArray> random(VitConfig config, NDManager manager, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        double d = config.hiddenSize();
        double embedStd = Math.pow(d, -0.5);
        double attnStd = Math.pow(d, -0.5) * Math.pow(2.0 * config.numLayers(), -0.5);
        double outStd = Math.pow(d, -0.5);
        double fc1Std = Math.pow(2 * d, -0.5);
        double fc2Std = attnStd;
        Map<String, NDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ClipKeys.shapes(config).entrySet()) {
            String name = e.getKey();
            Shape shape = new Shape(e.getValue());
            NDArray a;
            if (name.endsWith("layernorm.weight") || name.endsWith("layrnorm.weight") || name.endsWith("layer_norm1.weight")
                    || name.endsWith("layer_norm2.weight")) {
                a = manager.ones(shape);
            } else if (name.endsWith(".bias")) {
                a = manager.zeros(shape);
            } else {
                double std;
                if (name.equals(ClipKeys.CLASS_EMBEDDING) || name.equals(ClipKeys.PROJECTION)) {
                    std = embedStd;
                } else if (name.equals(ClipKeys.PATCH_EMBEDDING) || name.equals(ClipKeys.POSITION_EMBEDDING)) {
                    std = INITIALIZER_RANGE;
                } else if (name.endsWith(ClipKeys.OUT_WEIGHT)) {
                    std = outStd;
                } else if (name.endsWith(ClipKeys.FC1_WEIGHT)) {
                    std = fc1Std;
                } else if (name.endsWith(ClipKeys.FC2_WEIGHT)) {
                    std = fc2Std;
                } else {
                    std = attnStd; // q, k, v
                }
                a = manager.randomNormal(0f, (float) std, shape, DataType.FLOAT32);
            }
            w.put(name, a);
        }
        return w;
    }
}
