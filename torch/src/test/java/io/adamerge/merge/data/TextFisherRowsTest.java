package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.model.Batch;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.bert.BertConfig;
import io.adamerge.model.bert.BertEncoder;
import io.adamerge.model.bert.BertKeys;
import io.adamerge.model.bert.BertSentenceEncoder;
import io.adamerge.model.bert.TokenBatch;
import io.adamerge.onnx.SentencePooling;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Fisher merging of a text encoder accumulates the squared gradient of the word embeddings only on the rows each text
 * reads ({@link Encoder#readRows}); the result must be bit for bit the dense accumulation over the whole
 * [vocabulary, hidden] gradient, which this test computes itself with full-table leaves, on a tiny random BERT whose
 * texts repeat tokens (two occurrences add into one row) and carry padding (token 0, masked).
 */
class TextFisherRowsTest {
    private static final BertConfig CONFIG = new BertConfig(50, 16, 2, 2, 32, 16, 2, 1e-12, HiddenAct.GELU);
    private static final BertSentenceEncoder ENCODER = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, true);
    private static final int LENGTH = 12;

    /** Texts padded to {@link #LENGTH} with token 0 and mask 0, as a tokenizer with fixed-length padding writes them. */
    private record Texts(long[][] ids) implements Examples {
        @Override
        public String source() {
            return "texts";
        }

        @Override
        public int count() {
            return ids.length;
        }

        @Override
        public Batch select(int[] indices, NDManager manager) {
            return TokenBatch.rightPadded(ids, indices, LENGTH, manager);
        }
    }

    /** Texts of 3..10 tokens from the first 20 ids (so tokens repeat, and ids 20..49 are never read). */
    private static Texts texts(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] ids = new long[count][];
        for (int i = 0; i < count; i++) {
            ids[i] = new long[3 + random.nextInt(8)];
            ids[i][0] = 1;
            for (int j = 1; j < ids[i].length; j++) {
                ids[i][j] = 2 + random.nextInt(18);
            }
        }
        return new Texts(ids);
    }

    private static Map<String, NDArray> weights(long seed, NDManager m) {
        Random r = new Random(seed);
        Map<String, NDArray> w = new LinkedHashMap<>();
        BertKeys.shapes(CONFIG).forEach((name, shape) -> {
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            boolean gain = name.endsWith("LayerNorm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((gain ? 1 : 0) + (name.endsWith(".bias") || gain ? 0.1 : 0.4) * r.nextGaussian());
            }
            w.put(name, m.create(v, new Shape(shape)));
        });
        return w;
    }

    /** The dense accumulation: full-table leaves per text, F += g², then F / N (the same texts and label stream). */
    private static Map<String, float[]> denseFisher(Map<String, NDArray> w, ClassificationHead head, Texts texts, int samples,
                                                    long seed, int task, NDManager m) {
        int[] picked = new BatchSampler(seed, samples).indices(task, 0, texts.count());
        SplittableRandom labels = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + task);
        Map<String, NDArray> sum = new LinkedHashMap<>();
        w.forEach((k, v) -> sum.put(k, m.zeros(v.getShape())));
        for (int i : picked) {
            try (NDManager step = m.newSubManager()) {
                Map<String, NDArray> leaves = new LinkedHashMap<>();
                w.forEach((k, v) -> {
                    NDArray leaf = v.duplicate();
                    leaf.attach(step);
                    leaf.setRequiresGradient(true);
                    leaves.put(k, leaf);
                });
                try (GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
                    NDArray logProbs = head.logits(ENCODER.embed(leaves, texts.select(new int[] {i}, step))).logSoftmax(-1);
                    int y = FisherMerging.draw(logProbs.exp().toFloatArray(), labels);
                    c.backward(logProbs.get(0, y).neg());
                }
                leaves.forEach((k, leaf) -> {
                    NDArray g = leaf.getGradient();
                    assertThat(g.getShape()).isEqualTo(w.get(k).getShape());
                    sum.get(k).addi(g.mul(g));
                });
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        sum.forEach((k, v) -> out.put(k, v.div(picked.length).toFloatArray()));
        return out;
    }

    @Test
    void rowAccumulationOfTheWordEmbeddingsIsBitForBitTheDenseOne() {
        Texts texts = texts(21, 9);
        long seed = 3;
        int task = 2;
        int samples = 7;
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = weights(8, m);
            float[] headWeights = new float[4 * CONFIG.hiddenSize()];
            Random r = new Random(9);
            for (int i = 0; i < headWeights.length; i++) {
                headWeights[i] = (float) (3 * r.nextGaussian());
            }
            ClassificationHead head = new ClassificationHead(m.create(headWeights, new Shape(4, CONFIG.hiddenSize())), null, false);

            // the encoder says which rows a text reads: its distinct ids, padding included, renumbered in order
            try (NDManager probe = m.newSubManager()) {
                Encoder.ReadRows read = ENCODER.readRows(texts.select(new int[] {0}, probe), probe).orElseThrow();
                assertThat(read.table()).isEqualTo(BertKeys.WORD);
                TreeSet<Long> distinct = new TreeSet<>();
                Arrays.stream(texts.ids()[0]).forEach(distinct::add);
                distinct.add(0L);
                assertThat(read.rows()).containsExactly(distinct.stream().mapToLong(Long::longValue).toArray());
            }

            Map<String, NDArray> sparse = new FisherMerging(new FisherMerging.Settings(samples, seed, 1e-8f))
                    .diagonalFisher(ENCODER, w, head, texts, task, m);
            Map<String, float[]> dense = denseFisher(w, head, texts, samples, seed, task, m);

            assertThat(sparse.keySet()).containsExactlyElementsOf(dense.keySet());
            for (String k : dense.keySet()) {
                float[] got = sparse.get(k).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    // bit for bit: the same float, including the sign of zero
                    assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]: %s vs dense %s", k, i, got[i], dense.get(k)[i])
                            .isEqualTo(Float.floatToRawIntBits(dense.get(k)[i]));
                }
            }
            // the rows no text reads carry exactly 0; rows of tokens the picked texts read carry something
            float[] word = sparse.get(BertKeys.WORD).toFloatArray();
            int d = CONFIG.hiddenSize();
            for (int row = 20; row < CONFIG.vocabSize(); row++) {
                for (int j = 0; j < d; j++) {
                    assertThat(word[row * d + j]).isEqualTo(0f);
                }
            }
            double rowOne = 0;
            for (int j = 0; j < d; j++) {
                rowOne += word[d + j];
            }
            assertThat(rowOne).as("token 1 starts every text").isGreaterThan(0);
        }
    }
}
