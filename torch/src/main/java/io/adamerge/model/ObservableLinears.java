package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * An {@link Encoder} whose linear layers, and the inputs they read, can be observed: what RegMean needs of a family.
 * Layers are named in the family's canonical layout; {@link #observe} runs the forward pass on canonical weights and
 * hands every linear layer's input to an observer as a [rows, features] matrix.
 */
public interface ObservableLinears extends Encoder {
    /** A linear weight (canonical name; {@code [out, in]} once its trailing dimensions are flattened) and the site of its input. */
    record Layer(String weight, String site) {
    }

    /** Receives each linear layer's input as a [rows, features] matrix, valid only during the call. */
    @FunctionalInterface
    interface Observer {
        void input(String site, NDArray rows);
    }

    /**
     * How a site's Gram matrix XᵀX is averaged: over the examples (a CLIP tower's rows are a fixed number of tokens
     * per image, as FusionBench accumulates them) or over the rows themselves (a text encoder's rows are its
     * variable number of tokens per text, as the official RegMean code's running mean over them).
     */
    enum GramAverage {
        PER_EXAMPLE, PER_ROW
    }

    /**
     * Every linear layer, in forward order, with its input site.
     *
     * @param inputEmbeddingAsLinear include an input embedding that is exactly a linear map (a ViT's patch
     *                               embedding); families whose input embedding is a lookup ignore it
     */
    List<Layer> linearLayers(boolean inputEmbeddingAsLinear);

    /** The canonical view of weights in this encoder's layout (see {@link WeightLayout#toCanonical}). */
    Map<String, NDArray> toCanonical(Map<String, NDArray> weights, NDManager scratch);

    /** This encoder's layout of canonical weights (see {@link WeightLayout#fromCanonical}). */
    Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, NDManager into);

    /**
     * Runs the forward pass of {@code batch} with canonical weights and reports the input of every linear layer to
     * {@code observer}; outputs are released before returning.
     */
    void observe(Map<String, NDArray> canonical, Batch batch, Observer observer);

    GramAverage gramAverage();
}
