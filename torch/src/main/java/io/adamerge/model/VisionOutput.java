package io.adamerge.model;

import ai.djl.ndarray.NDArray;

/**
 * What the vision tower computes for a batch.
 *
 * @param pooled      the post-layernorm class token, [batch, hidden]
 * @param imageEmbeds the projected embedding, [batch, projection_dim]; null for a tower without projection
 */
public record VisionOutput(NDArray pooled, NDArray imageEmbeds) {
    /** The embedding heads apply to: {@code imageEmbeds} where there is a projection, else {@code pooled}. */
    public NDArray embeddings() {
        return imageEmbeds != null ? imageEmbeds : pooled;
    }
}
