package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertModel;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adamerge import --builtin all-minilm-l6-v2} then {@code adamerge embed} on a text file: the command writes
 * sentence_embedding [N, 384], unit rows, one per line, and a text's row does not depend on its batch (the texts are
 * embedded in batches of 2 by the command and all at once here). Parity with ONNX Runtime is torch's BertParityTest.
 */
class EmbedTextCommandTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void importMiniLm() {
        model = dir.resolve("minilm");
        CliRun r = CliRun.of("import", "--builtin", "all-minilm-l6-v2", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void embedsOneTextPerLine() throws IOException {
        List<String> texts = List.of("A cat sits on the mat.", "", "Über den Wolken 🚀", "The quick brown fox jumps over the lazy dog.");
        Path input = Files.write(dir.resolve("texts.txt"), texts);
        Path out = dir.resolve("emb.safetensors");
        CliRun r = CliRun.of("embed", "--model", model.toString(), "--input", input.toString(), "--out", out.toString(), "--batch", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("embedded 4 texts").contains("mean pooling").contains("sentence_embedding [4, 384]");
        float[] written;
        try (Checkpoint c = Checkpoint.open(out)) {
            TensorInfo t = c.info("sentence_embedding");
            assertThat(t.shape()).containsExactly(4, 384);
            written = c.readFloats("sentence_embedding");
            assertThat(c.metadata()).containsEntry("pooling", "mean").containsEntry("max_seq_length", "256");
        }
        for (int i = 0; i < 4; i++) {
            double norm = 0;
            for (int j = 0; j < 384; j++) {
                norm += written[i * 384 + j] * written[i * 384 + j];
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
        try (NDManager manager = TorchRuntime.newManager(); BertModel bert = BertModel.load(model, manager)) {
            float[] together = bert.embed(texts, manager).toFloatArray();
            double worst = 0;
            for (int i = 0; i < together.length; i++) {
                worst = Math.max(worst, Math.abs(together[i] - written[i]));
            }
            assertThat(worst).isLessThan(1e-6);
        }
    }

    @Test
    void refusesToOverwriteItsInput() throws IOException {
        Path input = Files.writeString(dir.resolve("in.txt"), "hello\n");
        CliRun r = CliRun.of("embed", "--model", model.toString(), "--input", input.toString(), "--out", input.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is the input --input").contains("refusing to write onto an input");
        assertThat(Files.readString(input)).isEqualTo("hello\n");
    }
}
