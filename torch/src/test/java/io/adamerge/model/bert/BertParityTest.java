package io.adamerge.model.bert;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.adamerge.model.TorchRuntime;
import io.adamerge.onnx.BuiltinBert;
import io.adamerge.onnx.SentencePooling;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Import the ONNX files that the langchain4j jars ship, then embed with the DJL encoder: the sentence embeddings
 * must match langchain4j's in-process models, which run the original ONNX file in ONNX Runtime and pool and
 * normalise on their own (mean pooling for MiniLM, CLS for bge, as sentence-transformers configures both), within
 * 1e-5 per component. Our texts are embedded as one padded batch, langchain4j's one at a time.
 */
class BertParityTest {
    static final Map<String, String> TEXTS = new LinkedHashMap<>();
    /** 100 < tokens ≤ 128: langchain4j's MiniLM truncates at 128, the limit its tokenizer.json embeds. */
    static final String LONG_TEXT = "Model merging combines the weights of several fine-tuned models into one model that can perform all of"
            + " their tasks without access to the original training data. Task arithmetic adds scaled task vectors, the"
            + " differences between fine-tuned and pretrained weights, to the pretrained model; Ties-Merging trims small"
            + " changes and resolves sign conflicts before adding them, and AdaMerging learns the coefficients of every task"
            + " vector, or of every layer of every task vector, by minimising the entropy of the merged model's predictions"
            + " on unlabelled test data.";

    static {
        TEXTS.put("short", "A cat sits on the mat.");
        TEXTS.put("long", LONG_TEXT);
        TEXTS.put("non-ASCII", "Über den Wolken muss die Freiheit wohl grenzenlos sein — naïve café, Ελληνικά, 日本語のテキスト, Москва, Łódź.");
        TEXTS.put("emoji", "I love pizza 🍕🍕 and rockets 🚀! Family: 👩‍👩‍👧 😂😂 ✨");
    }

    /** 156 word pieces with [CLS] and [SEP]. */
    static final String VERY_LONG_TEXT = "Model merging combines the weights of several fine-tuned models into one model that can perform all of"
                + " their tasks without access to the original training data. Task arithmetic adds scaled task vectors, the"
                + " differences between fine-tuned and pretrained weights, to the pretrained model; Ties-Merging trims small"
                + " changes and resolves sign conflicts before adding them; AdaMerging learns the scaling coefficients of every"
                + " task vector, or of every layer of every task vector, by minimising the entropy of the merged model's"
                + " predictions on unlabelled test data. The entropy is a surrogate for the loss: where the merged model is"
                + " confident, it is usually also right, and the gradient of the entropy with respect to the coefficients can"
                + " be computed through the whole network.";

    record Parity(Map<String, Double> maxAbsDiff, Map<String, Integer> tokens) {
    }

    /**
     * Imports {@code builtin}, embeds {@link #TEXTS} and {@link #VERY_LONG_TEXT} in one padded batch, and compares: the
     * texts with {@code reference} (langchain4j: its own tokenisation, ONNX Runtime, pooling, normalisation), the very
     * long text with ONNX Runtime run directly on the same token ids (pooled and normalised here, in double).
     */
    static Parity parity(BuiltinBert builtin, EmbeddingModel reference) throws Exception {
        long t0 = System.nanoTime();
        Path modelDir = ImportedBert.directory(builtin);
        long t1 = System.nanoTime();
        List<String> texts = new ArrayList<>(TEXTS.values());
        texts.add(VERY_LONG_TEXT);
        Map<String, Double> diffs = new LinkedHashMap<>();
        Map<String, Integer> tokens = new LinkedHashMap<>();
        try (NDManager manager = TorchRuntime.newManager(); BertModel model = BertModel.load(modelDir, manager)) {
            assertThat(model.pooling()).isEqualTo(builtin.pooling());
            long t2 = System.nanoTime();
            float[] flat = model.embed(texts, manager).toFloatArray();
            long t3 = System.nanoTime();
            System.out.printf("%s: import %.1f s, load %.1f s, embed %d texts %.1f s%n", builtin.id(), (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9, texts.size(), (t3 - t2) / 1e9);
            int dim = model.config().hiddenSize();
            int row = 0;
            for (Map.Entry<String, String> e : TEXTS.entrySet()) {
                diffs.put(e.getKey(), maxAbsDiff(flat, row++, reference.embed(e.getValue()).content().vector()));
                tokens.put(e.getKey(), model.tokenizer().ids(e.getValue()).length);
            }
            long[] ids = model.tokenizer().ids(VERY_LONG_TEXT);
            tokens.put("very long", ids.length);
            diffs.put("very long", maxAbsDiff(flat, row, onnxRuntime(builtin, ids, dim)));
        }
        System.out.println(builtin.id() + " parity, max |ours - ONNX Runtime| per text: " + diffs + "; tokens " + tokens);
        return new Parity(diffs, tokens);
    }

    private static double maxAbsDiff(float[] flat, int row, float[] expected) {
        int dim = expected.length;
        double worst = 0;
        for (int j = 0; j < dim; j++) {
            worst = Math.max(worst, Math.abs(flat[row * dim + j] - expected[j]));
        }
        return worst;
    }

    /** The original ONNX file in ONNX Runtime on one sequence, pooled as sentence-transformers configures the model. */
    private static float[] onnxRuntime(BuiltinBert builtin, long[] ids, int dim) throws Exception {
        byte[] onnx;
        try (InputStream in = BertParityTest.class.getClassLoader().getResourceAsStream(builtin.onnxResource())) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {1, ids.length};
        long[] ones = new long[ids.length];
        java.util.Arrays.fill(ones, 1);
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor inputIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
             OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", inputIds, "attention_mask", mask, "token_type_ids", types))) {
            float[][] hidden = ((float[][][]) result.get(0).getValue())[0];
            double[] pooled = new double[dim];
            if (builtin.pooling() == SentencePooling.CLS) {
                for (int j = 0; j < dim; j++) {
                    pooled[j] = hidden[0][j];
                }
            } else {
                for (float[] token : hidden) {
                    for (int j = 0; j < dim; j++) {
                        pooled[j] += token[j] / (double) hidden.length;
                    }
                }
            }
            double norm = Math.sqrt(java.util.Arrays.stream(pooled).map(v -> v * v).sum());
            float[] out = new float[dim];
            for (int j = 0; j < dim; j++) {
                out[j] = (float) (pooled[j] / norm);
            }
            return out;
        }
    }

    @Test
    void miniLmMatchesOnnxRuntime() throws Exception {
        Parity p = parity(BuiltinBert.ALL_MINILM_L6_V2, new AllMiniLmL6V2EmbeddingModel());
        assertThat(p.tokens().get("long")).isBetween(101, 128);
        assertThat(p.tokens().get("very long")).isGreaterThan(128);
        assertThat(p.maxAbsDiff().values()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(1e-5));
    }

    @Test
    void bgeSmallMatchesOnnxRuntime() throws Exception {
        Parity p = parity(BuiltinBert.BGE_SMALL_EN_V15, new BgeSmallEnV15EmbeddingModel());
        assertThat(p.maxAbsDiff().values()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(1e-5));
    }
}
