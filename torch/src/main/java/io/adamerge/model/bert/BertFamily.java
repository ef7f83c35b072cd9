package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.ModelFamily;
import io.adamerge.model.WeightLayout;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BERT sentence-encoder family: config {@link BertConfig}, one layout (Hugging Face {@code BertModel} names,
 * {@link BertKeys}; the pooler is not a parameter of a sentence encoder), encoder {@link BertSentenceEncoder} taking
 * {@link TokenBatch}es (tokenised by {@link BertTokenizer}), heads on the pooled sentence embedding.
 */
public final class BertFamily implements ModelFamily {
    public static final BertFamily INSTANCE = new BertFamily();
    public static final String NAME = "bert";

    /** Hugging Face {@code BertModel}: the canonical and only layout. */
    public static final WeightLayout<BertConfig> HUGGING_FACE = new WeightLayout<>() {
        @Override
        public String name() {
            return "HUGGING_FACE";
        }

        @Override
        public boolean owns(String tensor) {
            return tensor.startsWith("embeddings.") || tensor.startsWith("encoder.");
        }

        @Override
        public boolean recognises(Collection<String> tensorNames) {
            return tensorNames.contains(BertKeys.WORD);
        }

        @Override
        public Map<String, long[]> shapes(BertConfig config) {
            return BertKeys.shapes(config);
        }

        @Override
        public Map<String, NDArray> toCanonical(Map<String, NDArray> weights, BertConfig config, NDManager scratch) {
            return new LinkedHashMap<>(weights);
        }

        @Override
        public Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, BertConfig config, NDManager into) {
            return new LinkedHashMap<>(canonical);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /** For {@link java.util.ServiceLoader}; use {@link #INSTANCE}. */
    public BertFamily() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<WeightLayout<BertConfig>> layouts() {
        return List.of(HUGGING_FACE);
    }

    /** Loads a BERT model directory ({@link BertModel#load}); {@code configFile} must be null: the directory has one. */
    @Override
    public Loaded load(Path checkpoint, Path configFile, NDManager manager) {
        if (configFile != null) {
            throw new IllegalArgumentException(checkpoint + ": a BERT directory carries its config.json; no separate config is read");
        }
        try (BertModel model = BertModel.load(checkpoint, manager)) {
            return new Loaded(new BertSentenceEncoder(model.encoder(), model.pooling(), model.normalize()), model.weights());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BertFamily;
    }

    @Override
    public int hashCode() {
        return NAME.hashCode();
    }
}
