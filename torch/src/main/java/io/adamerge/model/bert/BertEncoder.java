package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.onnx.SentencePooling;
import java.util.Arrays;
import java.util.Map;

/**
 * A Hugging Face {@code BertModel} encoder as a pure function of its weights ({@link BertKeys} names, PyTorch
 * [out, in] Linear weights): word + position + token-type embeddings and LayerNorm, then post-LN blocks of masked
 * multi-head self-attention and a GELU MLP; and the sentence-transformers head on top (mean or [CLS] pooling,
 * L2 normalisation).
 *
 * <p>Nothing is cached between calls, so the weights may be any differentiable function of other arrays (merged
 * weights) and a gradient collector gets gradients through them. The computation follows the arithmetic of
 * Hugging Face's eager attention (scores divided by √head_size, padding masked by adding the dtype's lowest
 * value), so it reproduces the exported ONNX graph to float32 rounding. It runs in the weights' float type:
 * float64 weights give a float64 forward (for finite-difference checks).
 */
public final class BertEncoder {
    private final BertConfig config;
    private final Map<String, long[]> expectedShapes;

    public BertEncoder(BertConfig config) {
        this.config = config;
        this.expectedShapes = BertKeys.shapes(config);
    }

    public BertConfig config() {
        return config;
    }

    public Map<String, long[]> parameterShapes() {
        return expectedShapes;
    }

    /** Checks that every weight is present with its shape; throws naming the first that is not. */
    public void validate(Map<String, NDArray> weights) {
        validate(weights, config.vocabSize());
    }

    /** The same with {@code wordRows} rows of the word embeddings instead of the vocabulary's (see {@link TokenRows}). */
    private void validate(Map<String, NDArray> weights, long wordRows) {
        for (Map.Entry<String, long[]> e : expectedShapes.entrySet()) {
            NDArray a = weights.get(e.getKey());
            if (a == null) {
                throw new CheckpointException("missing weight '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue()) + ")");
            }
            long[] expected = e.getValue();
            if (e.getKey().equals(BertKeys.WORD) && wordRows != expected[0]) {
                expected = new long[] {wordRows, expected[1]};
            }
            if (!Arrays.equals(a.getShape().getShape(), expected)) {
                throw new CheckpointException("weight '" + e.getKey() + "' has shape " + Arrays.toString(a.getShape().getShape())
                        + ", expected " + Arrays.toString(expected));
            }
        }
    }

    /**
     * Receives the input of every linear layer as a [tokens, features] matrix of the real (unmasked) tokens only, valid
     * during the call (RegMean's Gram matrices). Sites per layer i: {@code layers.i.input} (query, key and value),
     * {@code layers.i.context} (attention output), {@code layers.i.attention} (intermediate dense, after the attention
     * block's LayerNorm) and {@code layers.i.activation} (output dense).
     */
    @FunctionalInterface
    public interface LinearInputObserver {
        static String site(int layer, String what) {
            return "layers." + layer + "." + what;
        }

        void input(String site, NDArray rows);
    }

    /** A linear weight and the site of its input (see {@link LinearInputObserver}). */
    public record LinearLayer(String weight, String site) {
    }

    /** Every linear layer, in forward order, with its input site. */
    public java.util.List<LinearLayer> linearLayers() {
        java.util.List<LinearLayer> out = new java.util.ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            for (String m : new String[] {BertKeys.Q, BertKeys.K, BertKeys.V}) {
                out.add(new LinearLayer(BertKeys.layer(i, m, "weight"), LinearInputObserver.site(i, "input")));
            }
            out.add(new LinearLayer(BertKeys.layer(i, BertKeys.ATTN_OUT, "weight"), LinearInputObserver.site(i, "context")));
            out.add(new LinearLayer(BertKeys.layer(i, BertKeys.FFN_IN, "weight"), LinearInputObserver.site(i, "attention")));
            out.add(new LinearLayer(BertKeys.layer(i, BertKeys.FFN_OUT, "weight"), LinearInputObserver.site(i, "activation")));
        }
        return out;
    }

    /** {@link #lastHiddenState(Map, TokenBatch, LinearInputObserver)} without an observer. */
    public NDArray lastHiddenState(Map<String, NDArray> w, TokenBatch tokens) {
        return lastHiddenState(w, tokens, null);
    }

    /**
     * The last hidden state [batch, length, hidden]. Intermediates live in a scratch manager closed before returning
     * (autograd keeps what backward needs); the output is attached to the manager of {@code tokens.inputIds()}.
     */
    public NDArray lastHiddenState(Map<String, NDArray> w, TokenBatch tokens, LinearInputObserver observer) {
        return lastHiddenState(w, tokens, observer, config.vocabSize());
    }

    /**
     * The last hidden state of token ids that index the rows of a word-embedding table of {@code rows.tableRows()}
     * rows (a {@link TokenRows}: a subset of the vocabulary's rows), all other weights as usual.
     */
    public NDArray lastHiddenState(Map<String, NDArray> w, TokenRows rows) {
        return lastHiddenState(w, rows.tokens(), null, rows.tableRows());
    }

    private NDArray lastHiddenState(Map<String, NDArray> w, TokenBatch tokens, LinearInputObserver observer, long wordRows) {
        validate(w, wordRows);
        long batch = tokens.batchSize();
        long length = tokens.length();
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(length + " tokens exceed the " + config.maxPositionEmbeddings() + " position embeddings");
        }
        NDManager outputs = tokens.inputIds().getManager();
        DataType dtype = w.get(BertKeys.WORD).getDataType();
        try (NDManager scratch = outputs.newSubManager()) {
            NDArray ids = tokens.inputIds().toType(DataType.INT64, true);
            ids.attach(scratch);
            NDArray types = tokens.tokenTypeIds().toType(DataType.INT64, true);
            types.attach(scratch);
            NDArray positions = scratch.arange(0, length, 1, DataType.INT64).reshape(1, length);
            NDArray x = Embedding.embedding(ids, w.get(BertKeys.WORD), SparseFormat.DENSE).singletonOrThrow();
            x = x.add(Embedding.embedding(types, w.get(BertKeys.TOKEN_TYPE), SparseFormat.DENSE).singletonOrThrow());
            x = x.add(Embedding.embedding(positions, w.get(BertKeys.POSITION), SparseFormat.DENSE).singletonOrThrow());
            x = layerNorm(x, w.get(BertKeys.EMB_LN_WEIGHT), w.get(BertKeys.EMB_LN_BIAS));
            // Constants that backward reads live on the outputs' manager (see ClipVisionTower): (1 - mask) · lowest
            // finite value, added to the scores [batch, 1, 1, length]; exp of it underflows to exactly 0
            NDArray lowest = outputs.create(dtype == DataType.FLOAT64 ? -Double.MAX_VALUE : -Float.MAX_VALUE).toType(dtype, false);
            NDArray one = outputs.create(1.0).toType(dtype, false);
            NDArray additiveMask = one.sub(tokens.attentionMask().toType(dtype, false)).mul(lowest).reshape(batch, 1, 1, length);
            additiveMask.attach(outputs);
            NDArray scoreScale = outputs.create(Math.sqrt(config.headDim())).toType(dtype, false);
            NDArray realTokens = null;
            if (observer != null) {
                realTokens = tokens.attentionMask().reshape(batch * length).toType(DataType.BOOLEAN, true);
                realTokens.attach(scratch);
            }
            for (int i = 0; i < config.numLayers(); i++) {
                x = block(x, w, i, batch, length, additiveMask, scoreScale, outputs, observer, realTokens);
            }
            x.attach(outputs);
            return x;
        }
    }

    private NDArray block(NDArray x, Map<String, NDArray> w, int i, long batch, long length, NDArray additiveMask,
                          NDArray scoreScale, NDManager constants, LinearInputObserver observer, NDArray realTokens) {
        long heads = config.numHeads();
        long headDim = config.headDim();
        long d = config.hiddenSize();
        report(observer, realTokens, i, "input", x);
        NDArray q = linear(x, w, i, BertKeys.Q).reshape(batch, length, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = linear(x, w, i, BertKeys.K).reshape(batch, length, heads, headDim).transpose(0, 2, 3, 1);
        NDArray v = linear(x, w, i, BertKeys.V).reshape(batch, length, heads, headDim).transpose(0, 2, 1, 3);
        NDArray probs = q.matMul(k).div(scoreScale).add(additiveMask).softmax(-1);
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, d);
        report(observer, realTokens, i, "context", context);
        NDArray h = layerNorm(linear(context, w, i, BertKeys.ATTN_OUT).add(x),
                w.get(BertKeys.layer(i, BertKeys.ATTN_LN, "weight")), w.get(BertKeys.layer(i, BertKeys.ATTN_LN, "bias")));
        report(observer, realTokens, i, "attention", h);
        NDArray f = config.hiddenAct().apply(linear(h, w, i, BertKeys.FFN_IN), constants);
        report(observer, realTokens, i, "activation", f);
        return layerNorm(linear(f, w, i, BertKeys.FFN_OUT).add(h),
                w.get(BertKeys.layer(i, BertKeys.FFN_LN, "weight")), w.get(BertKeys.layer(i, BertKeys.FFN_LN, "bias")));
    }

    /**
     * sentence-transformers' sentence embedding [batch, hidden]: the last hidden state pooled ({@code MEAN}: the
     * average over the attention mask, the count clamped at 1e-9; {@code CLS}: the first token), then, if
     * {@code normalize}, divided by its L2 norm clamped at 1e-12 (torch's {@code F.normalize}). Attached to the manager
     * of {@code tokens.inputIds()}.
     */
    public NDArray sentenceEmbedding(Map<String, NDArray> w, TokenBatch tokens, SentencePooling pooling, boolean normalize) {
        return sentenceEmbedding(lastHiddenState(w, tokens), tokens, pooling, normalize);
    }

    /** The same for token ids into a subset of the word embeddings' rows ({@link TokenRows}). */
    public NDArray sentenceEmbedding(Map<String, NDArray> w, TokenRows rows, SentencePooling pooling, boolean normalize) {
        return sentenceEmbedding(lastHiddenState(w, rows), rows.tokens(), pooling, normalize);
    }

    private NDArray sentenceEmbedding(NDArray hidden, TokenBatch tokens, SentencePooling pooling, boolean normalize) {
        NDManager outputs = tokens.inputIds().getManager();
        try (NDManager scratch = outputs.newSubManager()) {
            hidden.attach(scratch);
            NDArray pooled;
            if (pooling == SentencePooling.CLS) {
                pooled = hidden.get(new NDIndex(":, 0, :"));
            } else {
                NDArray mask = tokens.attentionMask().toType(hidden.getDataType(), false).expandDims(-1);
                mask.attach(scratch);
                NDArray count = mask.sum(new int[] {1}).maximum(1e-9f);
                pooled = hidden.mul(mask).sum(new int[] {1}).div(count);
            }
            if (normalize) {
                // the clamp is a tensor on the outputs' manager: backward reads it (see ClipVisionTower)
                NDArray floor = outputs.create(1e-12f).toType(pooled.getDataType(), false);
                NDArray norm = pooled.norm(new int[] {1}, true).maximum(floor);
                pooled = pooled.div(norm);
            }
            pooled.attach(outputs);
            return pooled;
        }
    }

    private static void report(LinearInputObserver observer, NDArray realTokens, int layer, String what, NDArray x) {
        if (observer != null) {
            long features = x.getShape().get(2);
            NDArray rows = x.reshape(-1, features);
            // DJL's boolean mask wants the array's shape: select whole rows through a [rows, features] mask
            NDArray mask = realTokens.reshape(-1, 1).broadcast(rows.getShape());
            observer.input(LinearInputObserver.site(layer, what), rows.booleanMask(mask).reshape(-1, features));
        }
    }

    private static NDArray linear(NDArray x, Map<String, NDArray> w, int layer, String module) {
        return Linear.linear(x, w.get(BertKeys.layer(layer, module, "weight")), w.get(BertKeys.layer(layer, module, "bias")))
                .singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), gamma, beta, (float) config.layerNormEps()).singletonOrThrow();
    }
}
