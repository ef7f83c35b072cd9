package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.Map;

/**
 * How checkpoints of a family name (and split, and orient) its tensors. Each family has one canonical layout its
 * forward pass reads; the others convert to and from it with differentiable views, so merges can be computed in a
 * checkpoint's own layout and gradients still flow back to them.
 *
 * @param <C> the family's config
 */
public interface WeightLayout<C> {
    /** For messages: {@code HUGGING_FACE}, {@code OPEN_CLIP}. */
    String name();

    /** Whether a tensor of a checkpoint in this layout belongs to the model (a file may hold other towers too). */
    boolean owns(String tensor);

    /** Whether tensor names show this layout (the tensor only it has is there). */
    boolean recognises(Collection<String> tensorNames);

    /** Every parameter of a model of {@code config} in this layout, with its shape, in the layout's order. */
    Map<String, long[]> shapes(C config);

    /**
     * The canonical view of weights in this layout. Tensors that are only renamed are the same NDArrays; the others
     * (slices, transposes) are new differentiable views attached to {@code scratch}.
     *
     * @throws io.adamerge.checkpoint.CheckpointException naming a missing tensor the view needs
     */
    Map<String, NDArray> toCanonical(Map<String, NDArray> weights, C config, NDManager scratch);

    /** This layout of canonical weights; new arrays are attached to {@code into}, renamed ones are the same NDArrays. */
    Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, C config, NDManager into);

    /** @deprecated the CLIP layouts are {@link ClipLayout#HUGGING_FACE} and {@link ClipLayout#OPEN_CLIP}. */
    @Deprecated
    WeightLayout<VitConfig> HUGGING_FACE = ClipLayout.HUGGING_FACE;
    /** @deprecated see {@link #HUGGING_FACE}. */
    @Deprecated
    WeightLayout<VitConfig> OPEN_CLIP = ClipLayout.OPEN_CLIP;
}
