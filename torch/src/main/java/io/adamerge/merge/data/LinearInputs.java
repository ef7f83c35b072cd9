package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.ClipVisionTower;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The linear layers of the CLIP vision tower and the inputs RegMean needs from them, observed through
 * {@link ClipVisionTower#forward(Map, NDArray, ClipVisionTower.LinearInputObserver)}.
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

    public static final String PATCHES = ClipVisionTower.LinearInputObserver.PATCHES;
    public static final String POOLED = ClipVisionTower.LinearInputObserver.POOLED;

    private LinearInputs() {
    }

    static String site(int layer, String what) {
        return ClipVisionTower.LinearInputObserver.site(layer, what);
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
     * Runs the tower on {@code pixelValues} and reports the linear layer inputs to {@code observer}: the tower's own
     * forward pass with its observer hook. Outputs are attached to the manager of {@code pixelValues}.
     */
    public static VisionOutput forward(VitConfig config, Map<String, NDArray> w, NDArray pixelValues, Observer observer) {
        return new ClipVisionTower(config).forward(w, pixelValues, observer::input);
    }

    /** The input sites of {@code layers}, each once, in order. */
    static List<String> sites(List<Layer> layers) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        layers.forEach(l -> seen.put(l.site(), true));
        return new ArrayList<>(seen.keySet());
    }
}
