package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClipLayout;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.ClipVisionTower;
import io.adamerge.model.ObservableLinears;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The linear layers RegMean merges and the inputs it needs from them, for any {@link ObservableLinears} encoder (the
 * CLIP vision tower, a BERT sentence encoder); helpers to name, flatten and group them.
 */
public final class LinearInputs {
    public static final String PATCHES = ClipVisionTower.LinearInputObserver.PATCHES;
    public static final String POOLED = ClipVisionTower.LinearInputObserver.POOLED;

    private LinearInputs() {
    }

    /** Every linear layer of a CLIP tower of {@code config}, with its input site ({@link ClipVisionModel#linearLayers}). */
    public static List<ObservableLinears.Layer> layers(VitConfig config, boolean includePatchEmbedding) {
        return new ClipVisionModel(config, ClipLayout.HUGGING_FACE).linearLayers(includePatchEmbedding);
    }

    /** A linear weight as an [out, in] matrix (the patch embedding's [d, c, p, p] flattened), on its manager. */
    public static NDArray asMatrix(NDArray weight) {
        long out = weight.getShape().get(0);
        return weight.reshape(out, weight.getShape().size() / out);
    }

    /**
     * Runs a CLIP tower on {@code pixelValues} and reports the linear layer inputs to {@code observer}: the tower's own
     * forward pass with its observer hook. Outputs are attached to the manager of {@code pixelValues}.
     */
    public static VisionOutput forward(VitConfig config, Map<String, NDArray> w, NDArray pixelValues, ObservableLinears.Observer observer) {
        return new ClipVisionTower(config).forward(w, pixelValues, observer::input);
    }

    /** The input sites of {@code layers}, each once, in order. */
    static List<String> sites(List<ObservableLinears.Layer> layers) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        layers.forEach(l -> seen.put(l.site(), true));
        return new ArrayList<>(seen.keySet());
    }
}
