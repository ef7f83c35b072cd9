package io.adamerge.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-layer BERT graph built the way PyTorch's exporter writes one (transposed onnx::MatMul_N weights named by their
 * MatMul node, the head split as a Reshape to a Concat with constant [heads, head_size], LayerNorm decomposed with
 * its epsilon added to the variance, exact GELU through Erf), converted back to Hugging Face names and layout.
 */
class BertOnnxImportTest {
    static final int HIDDEN = 4;
    static final int HEADS = 2;
    static final int INTERMEDIATE = 6;
    static final int LAYERS = 2;
    static final String[] LINEARS = {"attention/self/query", "attention/self/key", "attention/self/value",
            "attention/output/dense", "intermediate/dense", "output/dense"};

    /** The tiny graph; {@code expected} receives each weight in Hugging Face layout. */
    static byte[] tinyBert(Map<String, float[]> expected, boolean withHeads) {
        Random r = new Random(3);
        List<byte[]> nodes = new ArrayList<>();
        List<byte[]> inits = new ArrayList<>();
        addVector(inits, expected, "embeddings.word_embeddings.weight", new long[] {7, HIDDEN}, r);
        addVector(inits, expected, "embeddings.position_embeddings.weight", new long[] {5, HIDDEN}, r);
        addVector(inits, expected, "embeddings.token_type_embeddings.weight", new long[] {2, HIDDEN}, r);
        addVector(inits, expected, "embeddings.LayerNorm.weight", new long[] {HIDDEN}, r);
        addVector(inits, expected, "embeddings.LayerNorm.bias", new long[] {HIDDEN}, r);
        inits.add(OnnxWriter.longTensor("embeddings.position_ids", new long[] {1, 5}, new long[] {0, 1, 2, 3, 4}, false));
        nodes.add(OnnxWriter.node("/embeddings/LayerNorm/ReduceMean_1", "ReduceMean", List.of("sq"), List.of("var"),
                OnnxWriter.intsAttribute("axes", -1)));
        nodes.add(OnnxWriter.node("/embeddings/LayerNorm/Constant_1", "Constant", List.of(), List.of("eps"),
                OnnxWriter.tensorAttribute("value", OnnxWriter.floatTensor("", new long[0], new float[] {1e-12f}, false))));
        nodes.add(OnnxWriter.node("/embeddings/LayerNorm/Add", "Add", List.of("var", "eps"), List.of("var_eps")));
        nodes.add(OnnxWriter.node("/embeddings/LayerNorm/Sqrt", "Sqrt", List.of("var_eps"), List.of("std")));
        int n = 100;
        for (int i = 0; i < LAYERS; i++) {
            String p = "encoder.layer." + i + ".";
            for (String linear : LINEARS) {
                int in = linear.equals("output/dense") ? INTERMEDIATE : HIDDEN;
                int out = linear.equals("intermediate/dense") ? INTERMEDIATE : HIDDEN;
                float[] hf = random(r, out * in);
                float[] onnx = new float[hf.length];
                for (int o = 0; o < out; o++) {
                    for (int k = 0; k < in; k++) {
                        onnx[k * out + o] = hf[o * in + k];
                    }
                }
                String init = "onnx::MatMul_" + (n++);
                inits.add(OnnxWriter.floatTensor(init, new long[] {in, out}, onnx, n % 2 == 0));
                String module = "encoder/layer." + i + "/" + linear;
                nodes.add(OnnxWriter.node("/" + module + "/MatMul", "MatMul", List.of("x" + n, init), List.of("y" + n)));
                expected.put(module.replace('/', '.') + ".weight", hf);
                addVector(inits, expected, module.replace('/', '.') + ".bias", new long[] {out}, r);
            }
            for (String ln : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
                addVector(inits, expected, p + ln + ".weight", new long[] {HIDDEN}, r);
                addVector(inits, expected, p + ln + ".bias", new long[] {HIDDEN}, r);
            }
            nodes.add(OnnxWriter.node("/encoder/layer." + i + "/intermediate/intermediate_act_fn/Erf", "Erf", List.of("a" + i), List.of("b" + i)));
        }
        if (withHeads) {
            String self = "/encoder/layer.0/attention/self/";
            nodes.add(OnnxWriter.node(self + "Constant_2", "Constant", List.of(), List.of("h"),
                    OnnxWriter.tensorAttribute("value", OnnxWriter.longTensor("", new long[] {1}, new long[] {HEADS}, false))));
            nodes.add(OnnxWriter.node(self + "Constant_3", "Constant", List.of(), List.of("d"),
                    OnnxWriter.tensorAttribute("value", OnnxWriter.longTensor("", new long[] {1}, new long[] {HIDDEN / HEADS}, true))));
            nodes.add(OnnxWriter.node(self + "Concat", "Concat", List.of("batch", "length", "h", "d"), List.of("shape")));
            nodes.add(OnnxWriter.node(self + "Reshape", "Reshape", List.of("key_out", "shape"), List.of("split")));
        }
        return OnnxWriter.model(nodes, inits, List.of("input_ids"), List.of("last_hidden_state"));
    }

    private static void addVector(List<byte[]> inits, Map<String, float[]> expected, String name, long[] dims, Random r) {
        int count = 1;
        for (long d : dims) {
            count *= (int) d;
        }
        float[] v = random(r, count);
        inits.add(OnnxWriter.floatTensor(name, dims, v, false));
        expected.put(name, v);
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void namesEveryWeightByItsConsumerAndTransposesLinears() {
        Map<String, float[]> expected = new LinkedHashMap<>();
        BertOnnxImport.Result result = BertOnnxImport.convert(OnnxReader.parse("tiny.onnx", tinyBert(expected, true)));
        assertThat(result.tensors().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        // Hugging Face's state-dict order: embeddings, then per layer q, k, v, attention output, LN, intermediate, output, LN
        assertThat(new ArrayList<>(result.tensors().keySet()).subList(5, 9)).containsExactly(
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
                "encoder.layer.0.attention.self.key.weight", "encoder.layer.0.attention.self.key.bias");
        for (Map.Entry<String, FloatTensor> e : result.tensors().entrySet()) {
            assertThat(e.getValue().data()).as(e.getKey()).containsExactly(expected.get(e.getKey()));
        }
        assertThat(result.tensors().get("encoder.layer.1.output.dense.weight").shape()).containsExactly(HIDDEN, INTERMEDIATE);
        JsonNode c = result.config();
        assertThat(c.get("hidden_size").asInt()).isEqualTo(HIDDEN);
        assertThat(c.get("num_attention_heads").asInt()).isEqualTo(HEADS);
        assertThat(c.get("num_hidden_layers").asInt()).isEqualTo(LAYERS);
        assertThat(c.get("intermediate_size").asInt()).isEqualTo(INTERMEDIATE);
        assertThat(c.get("vocab_size").asInt()).isEqualTo(7);
        assertThat(c.get("max_position_embeddings").asInt()).isEqualTo(5);
        assertThat(c.get("type_vocab_size").asInt()).isEqualTo(2);
        assertThat(c.get("layer_norm_eps").asDouble()).isEqualTo(1e-12);
        assertThat(c.get("hidden_act").asText()).isEqualTo("gelu");
    }

    @Test
    void withoutTheHeadSplitTheHeadCountIsAnError() {
        byte[] model = tinyBert(new LinkedHashMap<>(), false);
        assertThatThrownBy(() -> BertOnnxImport.convert(OnnxReader.parse("nohead.onnx", model)))
                .isInstanceOf(OnnxFormatException.class)
                .hasMessageStartingWith("nohead.onnx: cannot find the number of attention heads");
    }

    @Test
    void aGraphThatIsNoBertIsAnErrorNamingTheFile() {
        assertThatThrownBy(() -> BertOnnxImport.convert(OnnxReader.parse("sample.onnx", OnnxWriter.sample())))
                .isInstanceOf(OnnxFormatException.class)
                .hasMessageStartingWith("sample.onnx: ");
    }

    @Test
    void writesAHuggingFaceAndSentenceTransformersDirectory(@TempDir Path dir) throws IOException {
        Map<String, float[]> expected = new LinkedHashMap<>();
        BertOnnxImport.Result result = BertOnnxImport.convert(OnnxReader.parse("tiny.onnx", tinyBert(expected, true)));
        Path out = dir.resolve("bert");
        byte[] tokenizer = "{\"model\":{}}".getBytes();
        BertImportWriter.write(result, out, tokenizer, SentencePooling.CLS, 5, Map.of("format", "pt"), List.of());
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.readFloats("encoder.layer.0.attention.self.query.weight"))
                    .containsExactly(expected.get("encoder.layer.0.attention.self.query.weight"));
            assertThat(c.configJson()).isPresent();
        }
        ObjectMapper json = new ObjectMapper();
        assertThat(Files.readAllBytes(out.resolve("tokenizer.json"))).isEqualTo(tokenizer);
        JsonNode pooling = json.readTree(out.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.get("pooling_mode_cls_token").asBoolean()).isTrue();
        assertThat(pooling.get("pooling_mode_mean_tokens").asBoolean()).isFalse();
        assertThat(json.readTree(out.resolve("sentence_bert_config.json").toFile()).get("max_seq_length").asInt()).isEqualTo(5);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("bert"); // no temporary left
        }
    }

    @Test
    void refusesToReplaceItsInputsAndWritesNothing(@TempDir Path dir) throws IOException {
        BertOnnxImport.Result result = BertOnnxImport.convert(OnnxReader.parse("tiny.onnx", tinyBert(new LinkedHashMap<>(), true)));
        Path out = Files.createDirectory(dir.resolve("model"));
        Path onnx = Files.write(out.resolve("model.onnx"), new byte[] {1});
        assertThatThrownBy(() -> BertImportWriter.write(result, out, new byte[0], SentencePooling.MEAN, 5, Map.of(), List.of(onnx)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("would replace the input");
        assertThatThrownBy(() -> BertImportWriter.write(result, dir.resolve("x"), new byte[0], SentencePooling.MEAN, 6, Map.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max sequence length 6 is outside 1..5");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("model");
        }
        assertThat(Files.readAllBytes(onnx)).containsExactly(1);
    }
}
