package io.adamerge.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.CheckpointWriter;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an imported BERT as a Hugging Face {@code BertModel} directory that is also a sentence-transformers
 * model: {@code model.safetensors}, {@code config.json}, {@code tokenizer.json}, {@code modules.json},
 * {@code sentence_bert_config.json} and {@code 1_Pooling/config.json}. The directory is built under a temporary
 * name and renamed into place, so a failure leaves nothing at the target.
 */
public final class BertImportWriter {
    /** sentence-transformers' own file names. */
    public static final String MODULES = "modules.json";
    public static final String SENTENCE_CONFIG = "sentence_bert_config.json";
    public static final String POOLING_CONFIG = "1_Pooling/config.json";
    public static final String TOKENIZER = "tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BertImportWriter() {
    }

    /**
     * @param inputs files the output must not replace (the ONNX file, the tokenizer): refused when inside {@code out}
     */
    public static List<Path> write(BertOnnxImport.Result model, Path out, byte[] tokenizerJson, SentencePooling pooling,
                                   int maxSeqLength, Map<String, String> metadata, List<Path> inputs) {
        Path target = out.toAbsolutePath().normalize();
        for (Path in : inputs) {
            Path input = in.toAbsolutePath().normalize();
            if (input.startsWith(target)) {
                throw new IllegalArgumentException("--out " + out + " would replace the input " + in);
            }
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException("--out " + out + " is a file; the output is a model directory");
        }
        long maxPositions = model.config().get("max_position_embeddings").asLong();
        if (maxSeqLength <= 0 || maxSeqLength > maxPositions) {
            throw new IllegalArgumentException("max sequence length " + maxSeqLength + " is outside 1.." + maxPositions
                    + " (the model's position embeddings)");
        }
        List<TensorSpec> specs = new ArrayList<>();
        model.tensors().forEach((name, t) -> specs.add(new TensorSpec(name, DType.F32, t.shape())));
        try (CheckpointWriter writer = CheckpointWriter.directory(target, specs, metadata, Long.MAX_VALUE)) {
            for (FloatTensor t : model.tensors().values()) {
                writer.writeFloats(t.data(), 0, t.data().length);
            }
            writer.addFile("config.json", json(model.config()));
            writer.addFile(TOKENIZER, tokenizerJson);
            writer.addFile(MODULES, json(modules()));
            ObjectNode sentence = JSON.createObjectNode();
            sentence.put("max_seq_length", maxSeqLength);
            sentence.put("do_lower_case", false);
            writer.addFile(SENTENCE_CONFIG, json(sentence));
            writer.addFile(POOLING_CONFIG, json(poolingConfig(pooling, model.hiddenSize())));
            List<Path> files = writer.outputFiles();
            writer.commit();
            return files;
        }
    }

    private static ArrayNode modules() {
        ArrayNode modules = JSON.createArrayNode();
        String[][] rows = {{"0", "", "sentence_transformers.models.Transformer"},
                {"1", "1_Pooling", "sentence_transformers.models.Pooling"},
                {"2", "2_Normalize", "sentence_transformers.models.Normalize"}};
        for (String[] r : rows) {
            ObjectNode m = modules.addObject();
            m.put("idx", Integer.parseInt(r[0]));
            m.put("name", r[0]);
            m.put("path", r[1]);
            m.put("type", r[2]);
        }
        return modules;
    }

    /** sentence-transformers' Pooling config with exactly one mode on. */
    static ObjectNode poolingConfig(SentencePooling pooling, int dimension) {
        ObjectNode p = JSON.createObjectNode();
        p.put("word_embedding_dimension", dimension);
        for (String key : List.of("pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")) {
            p.put(key, key.equals(pooling.configKey()));
        }
        p.put("include_prompt", true);
        return p;
    }

    private static byte[] json(Object node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
