package io.adamerge.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shape of a Hugging Face {@code BertModel} ({@code config.json} with {@code model_type} "bert"): absolute
 * position embeddings, post-LayerNorm blocks.
 */
public record BertConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                         int maxPositionEmbeddings, int typeVocabSize, double layerNormEps, HiddenAct hiddenAct)
        implements ModelConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    public BertConfig {
        for (int v : new int[] {vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositionEmbeddings, typeVocabSize}) {
            if (v <= 0) {
                throw new IllegalArgumentException("BERT config sizes must be positive: " + this);
            }
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        }
    }

    /** Sentence embeddings are the hidden size wide. */
    @Override
    public int embeddingDim() {
        return hiddenSize;
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Whether {@code config} describes a BERT ({@code model_type} "bert"). */
    public static boolean isBert(JsonNode config) {
        return "bert".equals(config.path("model_type").asText());
    }

    public static BertConfig fromJson(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (!isBert(root)) {
            throw new CheckpointException(file + ": model_type is '" + root.path("model_type").asText() + "', not 'bert'");
        }
        String position = root.path("position_embedding_type").asText("absolute");
        if (!position.equals("absolute")) {
            throw new CheckpointException(file + ": position_embedding_type '" + position + "' is not supported (absolute only)");
        }
        try {
            return new BertConfig(required(root, "vocab_size", file), required(root, "hidden_size", file),
                    required(root, "num_hidden_layers", file), required(root, "num_attention_heads", file),
                    required(root, "intermediate_size", file), required(root, "max_position_embeddings", file),
                    root.path("type_vocab_size").asInt(2), root.path("layer_norm_eps").asDouble(1e-12),
                    HiddenAct.parse(root.path("hidden_act").asText("gelu")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static int required(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new CheckpointException(file + ": no integer '" + field + "'");
        }
        return v.asInt();
    }
}
