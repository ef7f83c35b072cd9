package io.adamerge.cli.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.cli.CliRun;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adamerge merge --method fisher|regmean} on BERT model directories with text files (one text per line): the
 * same data-driven methods as on CLIP towers. Two copies of MiniLM with different texts merge back to MiniLM, and the
 * output directory loads as a BERT sentence encoder (its tokenizer and pooling files come along).
 */
class TextDataMergeCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path head;
    static List<Path> texts;

    @BeforeAll
    static void importMiniLm() throws IOException {
        model = dir.resolve("minilm");
        CliRun r = CliRun.of("import", "--builtin", "all-minilm-l6-v2", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        float[] w = new float[3 * 384];
        Random random = new Random(1);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        head = dir.resolve("head.safetensors");
        ClassificationHead.save(head, new FloatTensor(new long[] {3, 384}, w), null, false);
        texts = List.of(Files.write(dir.resolve("a.txt"), List.of("A cat sits on the mat.", "", "Stocks fell sharply on Monday.")),
                Files.write(dir.resolve("b.txt"), List.of("Über den Wolken muss die Freiheit wohl grenzenlos sein.", "Lol 🚀 ok")));
    }

    @Test
    void regMeanOfTwoCopiesIsTheModelAndLoadsAsABertDirectory() {
        Path out = dir.resolve("regmean");
        CliRun r = CliRun.of("merge", "--method", "regmean", "--models", model.toString(), model.toString(), "--data",
                texts.get(0).toString(), texts.get(1).toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertSameModel(out);
    }

    @Test
    void fisherOfTwoCopiesIsTheModel() {
        Path out = dir.resolve("fisher");
        CliRun r = CliRun.of("merge", "--method", "fisher", "--models", model.toString(), model.toString(), "--heads", head.toString(),
                head.toString(), "--data", texts.get(0).toString(), texts.get(1).toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertSameModel(out);
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.metadata()).containsEntry("adamerge.method", "fisher").containsEntry("adamerge.data", "[\"a.txt\",\"b.txt\"]");
        }
    }

    @Test
    void fisherWithoutHeadsNamesTheMissingHead() {
        CliRun r = CliRun.of("merge", "--method", "fisher", "--models", model.toString(), model.toString(), "--data",
                texts.get(0).toString(), texts.get(1).toString(), "--out", dir.resolve("nohead").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("fisher needs the classification head of every model");
    }

    private static void assertSameModel(Path out) {
        assertThat(out.resolve("tokenizer.json")).isRegularFile();
        try (NDManager m = TorchRuntime.newManager(); BertModel merged = BertModel.load(out, m); BertModel original = BertModel.load(model, m)) {
            Map<String, NDArray> a = merged.weights();
            Map<String, NDArray> b = original.weights();
            assertThat(a.keySet()).isEqualTo(b.keySet());
            double worst = 0;
            for (String k : a.keySet()) {
                float[] x = a.get(k).toFloatArray();
                float[] y = b.get(k).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1e-3 + Math.abs(y[i])));
                }
            }
            System.out.printf("%s: max rel diff to MiniLM %.3g%n", out.getFileName(), worst);
            assertThat(worst).isLessThan(1e-3);
        }
    }
}
