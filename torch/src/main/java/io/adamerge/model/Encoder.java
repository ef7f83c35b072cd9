package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * One model of a {@link ModelFamily} — its config and the layout its weights are named in — as a pure,
 * differentiable function {@code (weights, batch) → embeddings}. Nothing is cached between calls, so the weights may
 * be any differentiable function of other arrays (merged weights θ = θ_pre + Σ λ_k T_k) and a
 * {@link ai.djl.training.GradientCollector} gets gradients through them. Heads ({@link ClassificationHead}) take the
 * embeddings.
 *
 * <p>What is above this interface (test-time and data-driven merges, evaluation) names no family: it takes an
 * encoder, its weights and {@link Examples}.
 */
public interface Encoder {
    ModelFamily family();

    ModelConfig config();

    /** How {@link #forward} expects the weights to be named. */
    WeightLayout<?> layout();

    /** Every parameter tensor in this encoder's layout, with its shape, in the layout's order. */
    Map<String, long[]> parameterShapes();

    /**
     * Checks names and shapes of weights in this encoder's layout.
     *
     * @throws io.adamerge.checkpoint.CheckpointException naming the first missing, misshapen or unexpected tensor
     */
    void validate(Map<String, NDArray> weights);

    /** Width of the embeddings. */
    default int embeddingDim() {
        return config().embeddingDim();
    }

    /**
     * The embeddings of {@code batch}, [batch, embeddingDim], attached to the batch's manager; intermediates are
     * released before returning (autograd keeps what backward needs).
     *
     * @throws IllegalArgumentException when the batch is not of the kind or shape this encoder takes
     */
    NDArray embed(Map<String, NDArray> weights, Batch batch);

    /** The batches one after another, as one batch on {@code into} (one forward pass for several tasks). */
    Batch concat(List<Batch> batches, NDManager into);

    /**
     * Fails with a message naming {@code examples.source()} unless this encoder takes such examples.
     *
     * @throws io.adamerge.data.DataException when they do not fit
     */
    void checkFits(Examples examples);
}
