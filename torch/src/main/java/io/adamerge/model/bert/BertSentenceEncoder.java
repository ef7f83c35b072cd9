package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.adamerge.data.DataException;
import io.adamerge.model.Batch;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import io.adamerge.model.ModelFamily;
import io.adamerge.model.ObservableLinears;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.WeightLayout;
import io.adamerge.onnx.SentencePooling;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A BERT sentence encoder as an {@link Encoder}: {@link BertEncoder#sentenceEmbedding} with its pooling and
 * normalisation, taking {@link TokenBatch}es; what test-time and data-driven merges drive on text. Its linear layers
 * ({@link ObservableLinears}) are the 6 per block of {@link BertEncoder#linearLayers()}, observed on the real (unmasked)
 * tokens only; embeddings and LayerNorms are not linear layers (as the official RegMean code hooks only {@code nn.Linear}).
 */
public final class BertSentenceEncoder implements ObservableLinears {
    private final BertEncoder encoder;
    private final SentencePooling pooling;
    private final boolean normalize;

    public BertSentenceEncoder(BertEncoder encoder, SentencePooling pooling, boolean normalize) {
        this.encoder = encoder;
        this.pooling = pooling;
        this.normalize = normalize;
    }

    @Override
    public ModelFamily family() {
        return BertFamily.INSTANCE;
    }

    @Override
    public BertConfig config() {
        return encoder.config();
    }

    @Override
    public WeightLayout<BertConfig> layout() {
        return BertFamily.HUGGING_FACE;
    }

    @Override
    public Map<String, long[]> parameterShapes() {
        return encoder.parameterShapes();
    }

    @Override
    public void validate(Map<String, NDArray> weights) {
        encoder.validate(weights);
    }

    @Override
    public long activationBytes(Batch batch) {
        BertConfig c = config();
        return Encoder.transformerActivationBytes(batch.size(), tokens(batch).length(), c.numLayers(), c.hiddenSize(),
                c.intermediateSize(), c.numHeads());
    }

    @Override
    public NDArray embed(Map<String, NDArray> weights, Batch batch) {
        if (batch instanceof TokenRows rows) {
            return encoder.sentenceEmbedding(weights, rows, pooling, normalize);
        }
        return encoder.sentenceEmbedding(weights, tokens(batch), pooling, normalize);
    }

    /**
     * The word-embedding rows a text reads ({@link BertKeys#WORD}, its token ids, padding included), and the text
     * with its ids renumbered into those rows ({@link TokenRows}): one text of ~30 tokens reads ~30 of the 30522 rows.
     */
    @Override
    public Optional<ReadRows> readRows(Batch batch, NDManager into) {
        TokenBatch t = tokens(batch);
        long[] ids;
        try (NDManager scratch = into.newSubManager()) {
            NDArray longs = t.inputIds().toType(DataType.INT64, true);
            longs.attach(scratch);
            ids = longs.toLongArray();
        }
        long[] rows = Arrays.stream(ids).distinct().sorted().toArray();
        long[] rebased = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            rebased[i] = Arrays.binarySearch(rows, ids[i]);
        }
        TokenBatch renumbered = new TokenBatch(into.create(rebased, t.inputIds().getShape()), t.attentionMask(), t.tokenTypeIds());
        return Optional.of(new ReadRows(BertKeys.WORD, rows, new TokenRows(renumbered, rows.length)));
    }

    /** The batches one after another, each padded on the right (token 0, mask 0, type 0) to the longest one. */
    @Override
    public Batch concat(List<Batch> batches, NDManager into) {
        long length = batches.stream().mapToLong(b -> tokens(b).length()).max().orElseThrow();
        NDList ids = new NDList();
        NDList masks = new NDList();
        NDList types = new NDList();
        try (NDManager scratch = into.newSubManager()) {
            for (Batch b : batches) {
                TokenBatch t = tokens(b);
                ids.add(pad(t.inputIds(), length, scratch));
                masks.add(pad(t.attentionMask(), length, scratch));
                types.add(pad(t.tokenTypeIds(), length, scratch));
            }
            NDArray i = NDArrays.concat(ids, 0);
            NDArray m = NDArrays.concat(masks, 0);
            NDArray y = NDArrays.concat(types, 0);
            i.attach(into);
            m.attach(into);
            y.attach(into);
            return new TokenBatch(i, m, y);
        }
    }

    private static NDArray pad(NDArray a, long length, NDManager scratch) {
        long missing = length - a.getShape().get(1);
        if (missing == 0) {
            return a;
        }
        NDArray zeros = scratch.zeros(new Shape(a.getShape().get(0), missing), a.getDataType());
        NDArray padded = NDArrays.concat(new NDList(a, zeros), 1);
        padded.attach(scratch);
        return padded;
    }

    /** {@link BertEncoder#linearLayers()}; the embeddings are lookups, so {@code inputEmbeddingAsLinear} changes nothing. */
    @Override
    public List<ObservableLinears.Layer> linearLayers(boolean inputEmbeddingAsLinear) {
        return encoder.linearLayers().stream().map(l -> new ObservableLinears.Layer(l.weight(), l.site())).toList();
    }

    /** One layout: the weights are canonical. */
    @Override
    public Map<String, NDArray> toCanonical(Map<String, NDArray> weights, NDManager scratch) {
        return weights;
    }

    @Override
    public Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, NDManager into) {
        return canonical;
    }

    /** {@link BertEncoder#lastHiddenState(Map, TokenBatch, BertEncoder.LinearInputObserver)}: rows are the real tokens. */
    @Override
    public void observe(Map<String, NDArray> canonical, Batch batch, ObservableLinears.Observer observer) {
        encoder.lastHiddenState(canonical, tokens(batch), observer::input);
    }

    /** Per token row, as the official RegMean code averages (texts differ in length). */
    @Override
    public GramAverage gramAverage() {
        return GramAverage.PER_ROW;
    }

    @Override
    public void checkFits(Examples examples) {
        try (NDManager probe = TorchRuntime.newManager()) {
            Batch b = examples.select(new int[] {0}, probe);
            if (!(b instanceof TokenBatch t)) {
                throw new DataException(examples.source() + ": a BERT encoder takes token ids, got " + b.getClass().getSimpleName());
            }
            if (t.length() > config().maxPositionEmbeddings()) {
                throw new DataException(examples.source() + ": " + t.length() + " tokens exceed the model's "
                        + config().maxPositionEmbeddings() + " positions");
            }
            long top = t.inputIds().toType(DataType.INT64, false).max().getLong();
            if (top >= config().vocabSize()) {
                throw new DataException(examples.source() + ": token id " + top + " is outside the vocabulary of " + config().vocabSize());
            }
        }
    }

    private static TokenBatch tokens(Batch batch) {
        if (batch instanceof TokenBatch t) {
            return t;
        }
        throw new IllegalArgumentException("a BERT encoder takes token ids, got " + batch.getClass().getSimpleName());
    }
}
