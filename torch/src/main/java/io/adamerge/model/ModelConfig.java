package io.adamerge.model;

/** The shape of a model of some {@link ModelFamily}: what its weights and its forward pass depend on. */
public interface ModelConfig {
    /** Width of the embeddings the forward pass returns, which heads take. */
    int embeddingDim();
}
