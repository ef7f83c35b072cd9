package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.adamerge.data.DataException;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Examples;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertConfig;
import io.adamerge.model.bert.BertEncoder;
import io.adamerge.model.bert.BertKeys;
import io.adamerge.model.bert.BertSentenceEncoder;
import io.adamerge.model.bert.TokenBatch;
import io.adamerge.onnx.SentencePooling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The test-time parts drive the second model family, a BERT sentence encoder, through the same {@link AdaMerging}
 * code: token batches of different lengths, padded when tasks share a forward pass. A tiny random BERT stands in for
 * the real one (its forward pass has its own parity test against ONNX Runtime).
 */
class TextEncoderTest {
    private static final BertConfig CONFIG = new BertConfig(40, 32, 2, 4, 64, 16, 2, 1e-12, HiddenAct.GELU);

    /** Token sequences of one task: each padded only to the longest of a selection, as a tokenizer would. */
    private record Sentences(String source, long[][] ids) implements Examples {
        @Override
        public int count() {
            return ids.length;
        }

        @Override
        public Batch select(int[] indices, NDManager manager) {
            return TokenBatch.rightPadded(ids, indices, 0, manager);
        }
    }

    private static Sentences sentences(String name, long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] ids = new long[count][];
        for (int i = 0; i < count; i++) {
            ids[i] = new long[3 + random.nextInt(8)];
            ids[i][0] = 1; // [CLS]-like
            for (int j = 1; j < ids[i].length; j++) {
                ids[i][j] = 2 + random.nextInt(CONFIG.vocabSize() - 2);
            }
        }
        return new Sentences(name, ids);
    }

    private static Map<String, NDArray> randomWeights(NDManager m, int seed) {
        m.getEngine().setRandomSeed(seed);
        Map<String, NDArray> w = new LinkedHashMap<>();
        BertKeys.shapes(CONFIG).forEach((name, shape) -> {
            Shape s = new Shape(shape);
            w.put(name, name.endsWith("LayerNorm.weight") ? m.ones(s)
                    : name.endsWith(".bias") ? m.zeros(s) : m.randomNormal(0f, 0.1f, s, DataType.FLOAT32));
        });
        return w;
    }

    @Test
    void adaMergingLearnsCoefficientsOfATextEncoder() {
        BertSentenceEncoder encoder = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, false);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = randomWeights(m, 1);
            List<Map<String, NDArray>> finetuned = List.of(randomWeights(m, 2), randomWeights(m, 3));
            List<TestTimeTask> tasks = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                tasks.add(TestTimeTask.of("text" + k, new ClassificationHead(m.randomNormal(new Shape(3, 32)), null, true),
                        sentences("text" + k, 10 + k, 6)));
            }
            AdaMergingConfig settings = AdaMergingConfig.preset("lw_adamerging").withBatchSize(4).withSteps(3);
            List<StepResult> steps = new ArrayList<>();
            try (AdaMerging ada = AdaMerging.create(encoder, pre, finetuned, tasks, settings, m)) {
                assertThat(ada.layerKeys()).containsExactlyElementsOf(BertKeys.shapes(CONFIG).keySet());
                Coefficients start = ada.initialCoefficients();
                Coefficients end = ada.run(start, (r, c) -> steps.add(r));
                assertThat(steps).hasSize(3).allSatisfy(r -> {
                    assertThat(r.loss()).isFinite().isPositive();
                    assertThat(r.gradient()).isNotEqualTo(new float[r.gradient().length]);
                });
                assertThat(end.values()).isNotEqualTo(start.values());
                try (NDManager out = m.newSubManager()) {
                    assertThat(ada.merge(end, out).keySet()).containsExactlyElementsOf(ada.layerKeys());
                }
            }
        }
    }

    /**
     * Passes of one or two tasks give the one-pass loss and dL/dλ, the word embeddings' row included: a pass's leaf for
     * that table is only the rows its texts read, and the rows' gradients must be added back into the table's.
     */
    @Test
    void passesGiveTheOnePassLossAndGradientWordEmbeddingsIncluded() {
        BertSentenceEncoder encoder = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, false);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = randomWeights(m, 1);
            List<Map<String, NDArray>> finetuned = List.of(randomWeights(m, 2), randomWeights(m, 3), randomWeights(m, 4));
            List<TestTimeTask> tasks = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                tasks.add(TestTimeTask.of("text" + k, new ClassificationHead(m.randomNormal(new Shape(3, 32)), null, true),
                        sentences("text" + k, 10 + k, 6)));
            }
            try (CoefficientMerge merge = CoefficientMerge.create(encoder, pre, finetuned, Granularity.LAYER,
                    TaskVectorTransform.NONE, m)) {
                float[] gradient = PassesAgree.check(encoder, merge, tasks, new io.adamerge.merge.data.BatchSampler(0, 4),
                        merge.constant(0.3f), 1);
                int word = merge.layerKeys().indexOf(BertKeys.WORD);
                assertThat(word).isNotNegative();
                for (int k = 0; k < 3; k++) {
                    assertThat(gradient[word * 3 + k]).as("dL/dλ of the word embeddings, task %d", k).isNotZero();
                }
            }
        }
    }

    @Test
    void batchesOfDifferentLengthsShareAForwardPassWithoutChangingTheirEmbeddings() {
        BertSentenceEncoder encoder = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, true);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = randomWeights(m, 5);
            Sentences a = sentences("a", 20, 3);
            Sentences b = sentences("b", 21, 2);
            Batch first = a.select(new int[] {0, 1, 2}, m);
            Batch second = b.select(new int[] {0, 1}, m);
            float[] separate = concat(encoder.embed(w, first).toFloatArray(), encoder.embed(w, second).toFloatArray());
            float[] together = encoder.embed(w, encoder.concat(List.of(first, second), m)).toFloatArray();
            assertThat(together).hasSameSizeAs(separate);
            for (int i = 0; i < separate.length; i++) {
                assertThat((double) together[i]).as("value %d", i).isCloseTo(separate[i], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void tokensOutsideTheVocabularyAreNamed() {
        BertSentenceEncoder encoder = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, true);
        Sentences bad = new Sentences("bad.jsonl", new long[][] {{1, 2, 45}});
        assertThatThrownBy(() -> encoder.checkFits(bad)).isInstanceOf(DataException.class)
                .hasMessageContaining("bad.jsonl: token id 45 is outside the vocabulary of 40");
    }

    private static float[] concat(float[] x, float[] y) {
        float[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
