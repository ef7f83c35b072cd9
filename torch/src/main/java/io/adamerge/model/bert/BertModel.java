package io.adamerge.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.model.WeightIO;
import io.adamerge.onnx.BertImportWriter;
import io.adamerge.onnx.SentencePooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A sentence encoder loaded from a Hugging Face BERT directory (as {@code adamerge import} writes one):
 * {@code config.json}, {@code model.safetensors}, {@code tokenizer.json}, and sentence-transformers'
 * {@code sentence_bert_config.json} (max_seq_length) and {@code 1_Pooling/config.json} (mean or CLS). Without the
 * sentence-transformers files: mean pooling, the position embeddings' count as maximum length, and L2
 * normalisation, which is what sentence-transformers does for a plain BERT.
 */
public final class BertModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BertEncoder encoder;
    private final Map<String, NDArray> weights;
    private final BertTokenizer tokenizer;
    private final SentencePooling pooling;
    private final boolean normalize;

    private BertModel(BertEncoder encoder, Map<String, NDArray> weights, BertTokenizer tokenizer, SentencePooling pooling,
                      boolean normalize) {
        this.encoder = encoder;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /** Whether {@code dir} is a model directory whose config.json says BERT. */
    public static boolean isBertDirectory(Path dir) {
        Path config = dir.resolve(WeightIO.HF_CONFIG);
        if (!Files.isDirectory(dir) || !Files.isRegularFile(config)) {
            return false;
        }
        try {
            return BertConfig.isBert(JSON.readTree(config.toFile()));
        } catch (IOException e) {
            return false;
        }
    }

    /** Loads the directory; weights go to {@code manager} as float32. */
    public static BertModel load(Path dir, NDManager manager) {
        BertConfig config = BertConfig.fromJson(dir.resolve(WeightIO.HF_CONFIG));
        BertEncoder encoder = new BertEncoder(config);
        int maxSeqLength = config.maxPositionEmbeddings();
        Path sentence = dir.resolve(BertImportWriter.SENTENCE_CONFIG);
        if (Files.isRegularFile(sentence)) {
            maxSeqLength = readJson(sentence).path("max_seq_length").asInt(maxSeqLength);
        }
        SentencePooling pooling = SentencePooling.MEAN;
        Path poolingFile = dir.resolve(BertImportWriter.POOLING_CONFIG);
        if (Files.isRegularFile(poolingFile)) {
            JsonNode p = readJson(poolingFile);
            boolean cls = p.path("pooling_mode_cls_token").asBoolean(false);
            boolean mean = p.path("pooling_mode_mean_tokens").asBoolean(false);
            if (cls == mean) {
                throw new CheckpointException(poolingFile + ": exactly one of pooling_mode_cls_token and pooling_mode_mean_tokens must be"
                        + " true (other pooling modes are not supported)");
            }
            pooling = cls ? SentencePooling.CLS : SentencePooling.MEAN;
        }
        if (maxSeqLength <= 0 || maxSeqLength > config.maxPositionEmbeddings()) {
            throw new CheckpointException(sentence + ": max_seq_length " + maxSeqLength + " is outside 1.." + config.maxPositionEmbeddings());
        }
        boolean normalize = true;
        Path modules = dir.resolve(BertImportWriter.MODULES);
        if (Files.isRegularFile(modules)) {
            normalize = false;
            for (JsonNode m : readJson(modules)) {
                normalize |= m.path("type").asText().endsWith(".Normalize");
            }
        }
        Map<String, NDArray> weights;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = WeightIO.loadFloatTensors(checkpoint, manager, name -> !name.startsWith("pooler."));
        }
        try {
            encoder.validate(weights);
        } catch (CheckpointException e) {
            weights.values().forEach(NDArray::close);
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
        BertTokenizer tokenizer = BertTokenizer.load(dir.resolve(BertImportWriter.TOKENIZER), maxSeqLength);
        return new BertModel(encoder, weights, tokenizer, pooling, normalize);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public BertEncoder encoder() {
        return encoder;
    }

    public BertConfig config() {
        return encoder.config();
    }

    public Map<String, NDArray> weights() {
        return weights;
    }

    public BertTokenizer tokenizer() {
        return tokenizer;
    }

    public SentencePooling pooling() {
        return pooling;
    }

    public boolean normalize() {
        return normalize;
    }

    /** Sentence embeddings [texts, hidden] of one batch, attached to {@code manager}. */
    public NDArray embed(List<String> texts, NDManager manager) {
        return embed(weights, texts, manager);
    }

    /** The same with other weights of this architecture (a merge, a differentiable function of coefficients). */
    public NDArray embed(Map<String, NDArray> w, List<String> texts, NDManager manager) {
        return encoder.sentenceEmbedding(w, tokenizer.encode(texts, manager), pooling, normalize);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
