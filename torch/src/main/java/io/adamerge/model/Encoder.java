package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /**
     * Roughly the bytes of activations a forward pass over {@code batch} keeps for the backward pass, so a trainer can
     * run several tasks' batches in one pass while that stays small and one at a time when it does not. 0 (the
     * default) when unknown: such an encoder always gets one pass.
     */
    default long activationBytes(Batch batch) {
        return 0;
    }

    /**
     * A transformer's {@link #activationBytes}: per layer and token, the floats autograd keeps (layer norms, q/k/v,
     * attention output and projection, residuals: about 11 × width; the MLP's two hidden activations: 2 × FFN width;
     * the attention probabilities: heads × sequence length).
     */
    static long transformerActivationBytes(long examples, long sequence, int layers, int width, int ffn, int heads) {
        return examples * sequence * layers * (11L * width + 2L * ffn + heads * sequence) * Float.BYTES;
    }

    /**
     * The rows of one large lookup table (a text encoder's token embeddings) that {@code batch} reads, for callers that
     * want the gradient of that table per example (Fisher merging): with {@code table} replaced by its rows
     * {@code table[rows]}, {@code embed(weights, rebased)} computes exactly what {@code embed(weights, batch)} computes,
     * and backward leaves in {@code table[rows]} exactly those rows of the full table's gradient; every other row's
     * gradient is zero. Empty (the default) for encoders without such a table.
     *
     * @param into the manager of the rebased batch's arrays
     */
    default Optional<ReadRows> readRows(Batch batch, NDManager into) {
        return Optional.empty();
    }

    /**
     * See {@link #readRows}.
     *
     * @param table   the table's weight name
     * @param rows    the rows read, ascending and distinct
     * @param rebased the batch reading row {@code rows[j]} as row {@code j} of {@code table[rows]}
     */
    record ReadRows(String table, long[] rows, Batch rebased) {
    }

    /** The batches one after another, as one batch on {@code into} (one forward pass for several tasks). */
    Batch concat(List<Batch> batches, NDManager into);

    /**
     * Fails with a message naming {@code examples.source()} unless this encoder takes such examples.
     *
     * @throws io.adamerge.data.DataException when they do not fit
     */
    void checkFits(Examples examples);
}
