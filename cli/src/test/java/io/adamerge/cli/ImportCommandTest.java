package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.onnx.BuiltinBert;
import io.adamerge.onnx.OnnxModel;
import io.adamerge.onnx.OnnxTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adamerge import} on the MiniLM that the langchain4j jar ships (a runtime dependency of the CLI); 22,565,376 parameters = the published 22.7M less the pooler, which the ONNX export does not contain. */
class ImportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void importsTheBuiltinMiniLmAsABertModelDirectory(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("minilm");
        CliRun r = CliRun.of("import", "--builtin", "all-minilm-l6-v2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("6 layers, hidden 384, 12 heads, 22565376 parameters, mean pooling, 256 tokens");
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("bert");
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(6);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(12);
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(1536);
        assertThat(config.get("layer_norm_eps").asDouble()).isEqualTo(1e-12);
        assertThat(config.get("vocab_size").asInt()).isEqualTo(30522);
        assertThat(config.get("max_position_embeddings").asInt()).isEqualTo(512);
        assertThat(config.get("type_vocab_size").asInt()).isEqualTo(2);
        assertThat(config.get("hidden_act").asText()).isEqualTo("gelu");
        assertThat(JSON.readTree(out.resolve("1_Pooling/config.json").toFile()).get("pooling_mode_mean_tokens").asBoolean()).isTrue();
        try (InputStream tok = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            assertThat(Files.readAllBytes(out.resolve("tokenizer.json"))).isEqualTo(tok.readAllBytes());
        }
        // layer 3's value weight: node /encoder/layer.3/attention/self/value/MatMul reads onnx::MatMul_830 ([in, out])
        OnnxModel onnx = BuiltinBert.ALL_MINILM_L6_V2.readOnnx();
        OnnxTensor value = onnx.initializers().get("onnx::MatMul_" + (791 + 13 * 3));
        assertThat(onnx.consumers(value.name()).get(0).name()).isEqualTo("/encoder/layer.3/attention/self/value/MatMul");
        float[] source = value.floats();
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.tensors()).hasSize(5 + 6 * 16);
            assertThat(c.info("encoder.layer.3.attention.self.value.weight").shape()).containsExactly(384, 384);
            float[] imported = c.readFloats("encoder.layer.3.attention.self.value.weight");
            for (int o = 0; o < 384; o += 37) {
                for (int i = 0; i < 384; i += 41) {
                    assertThat(imported[o * 384 + i]).isEqualTo(source[i * 384 + o]);
                }
            }
            assertThat(c.readFloats("encoder.layer.3.attention.self.value.bias"))
                    .containsExactly(onnx.initializers().get("encoder.layer.3.attention.self.value.bias").floats());
            assertThat(c.info("encoder.layer.5.intermediate.dense.weight").shape()).containsExactly(1536, 384);
        }
    }

    @Test
    void aTruncatedFileIsOneLineNamingItAndNothingIsWritten(@TempDir Path dir) throws IOException {
        byte[] head;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            head = in.readNBytes(3_000_000);
        }
        Path onnx = Files.write(dir.resolve("cut.onnx"), head);
        Path tok = Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("import", "--onnx", onnx.toString(), "--tokenizer", tok.toString(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("adamerge import: error: " + onnx + ": truncated or malformed").doesNotContain("\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("cut.onnx", "tokenizer.json");
        }
    }

    @Test
    void usageErrors(@TempDir Path dir) {
        CliRun both = CliRun.of("import", "--builtin", "all-minilm-l6-v2", "--onnx", "x.onnx", "--out", dir.resolve("o").toString());
        assertThat(both.code()).isEqualTo(2);
        CliRun unknown = CliRun.of("import", "--builtin", "gpt-2", "--out", dir.resolve("o").toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown builtin model 'gpt-2' (one of " + String.join(", ", BuiltinBert.ids()) + ")");
        CliRun missing = CliRun.of("import", "--onnx", dir.resolve("x.onnx").toString(), "--out", dir.resolve("o").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("x.onnx: no such file");
        assertThat(Arrays.asList(dir.toFile().list())).isEmpty();
    }

    @Test
    void findsTheTokenizerBesideTheOnnxFile(@TempDir Path dir) throws IOException {
        Path repo = Files.createDirectories(dir.resolve("repo/onnx"));
        Path onnx = repo.resolve("model.onnx");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            Files.copy(in, onnx);
        }
        CliRun none = CliRun.of("import", "--onnx", onnx.toString(), "--out", dir.resolve("a").toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no tokenizer.json beside " + onnx + " or in its parent folder: pass --tokenizer FILE");
        Files.writeString(dir.resolve("repo/tokenizer.json"), "{\"model\": {}}");
        Path out = dir.resolve("b");
        CliRun found = CliRun.of("import", "--onnx", onnx.toString(), "--out", out.toString());
        assertThat(found.code()).as(found.err()).isZero();
        assertThat(found.out()).contains("mean pooling, 512 tokens");
        assertThat(Files.readString(out.resolve("tokenizer.json"))).isEqualTo("{\"model\": {}}");
    }
}
