package io.adamerge.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The shape of a model of some {@link ModelFamily}: what its weights and its forward pass depend on. */
public interface ModelConfig {
    /** Width of the embeddings the forward pass returns, which heads take. */
    int embeddingDim();

    /** The config as the family's usual {@code config.json} (Hugging Face's, for the families here). */
    ObjectNode toJson();
}
