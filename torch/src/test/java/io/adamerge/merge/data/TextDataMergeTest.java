package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import java.util.Random;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * Fisher merging and RegMean on the second model family, a BERT sentence encoder with tokenised texts, through the same
 * {@link DataMergeInput} as CLIP towers: checked against computations that share none of the merge code, on a tiny
 * random BERT (the real one has its own parity test against ONNX Runtime).
 */
class TextDataMergeTest {
    private static final BertConfig CONFIG = new BertConfig(40, 16, 2, 2, 32, 16, 2, 1e-12, HiddenAct.GELU);
    private static final BertSentenceEncoder ENCODER = new BertSentenceEncoder(new BertEncoder(CONFIG), SentencePooling.MEAN, false);

    /** Token sequences, each batch padded only to its longest: batches mix lengths, so RegMean must skip padding. */
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
            ids[i] = new long[2 + random.nextInt(9)];
            ids[i][0] = 1;
            for (int j = 1; j < ids[i].length; j++) {
                ids[i][j] = 2 + random.nextInt(CONFIG.vocabSize() - 2);
            }
        }
        return new Sentences(name, ids);
    }

    /** Seeded weights as plain floats: LayerNorm gains near 1, everything else small Gaussians. */
    private static Map<String, float[]> weights(long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        BertKeys.shapes(CONFIG).forEach((name, shape) -> {
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            boolean gain = name.endsWith("LayerNorm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((gain ? 1 : 0) + (name.endsWith(".bias") || gain ? 0.1 : 0.3) * r.nextGaussian());
            }
            w.put(name, v);
        });
        return w;
    }

    private static Map<String, NDArray> arrays(Map<String, float[]> w, NDManager m, DataType type) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, long[]> shapes = BertKeys.shapes(CONFIG);
        w.forEach((name, v) -> out.put(name, m.create(v, new Shape(shapes.get(name))).toType(type, false)));
        return out;
    }

    @Test
    void regMeanOfTheFirstQueryLayerIsTheClosedFormOnHandComputedEmbeddings() {
        double alpha = 0.9;
        List<Map<String, float[]>> models = List.of(weights(2), weights(3));
        List<Sentences> data = List.of(sentences("a", 10, 5), sentences("b", 11, 6));
        try (NDManager m = TorchRuntime.newManager()) {
            List<DataMergeInput.Task> tasks = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                tasks.add(new DataMergeInput.Task("t" + k, arrays(models.get(k), m, DataType.FLOAT32), null, data.get(k)));
            }
            Map<String, NDArray> merged = new RegMean(new RegMean.Settings(100, alpha, 2, 0, true))
                    .merge(new DataMergeInput(ENCODER, tasks), m);
            assertThat(merged.keySet()).containsExactlyElementsOf(BertKeys.shapes(CONFIG).keySet());
            merged.values().forEach(a -> assertThat(io.adamerge.io.Finite.firstNonFinite(a.toFloatArray())).isNegative());

            // layer 0's query reads the embedding LayerNorm of word + position + token type, on real tokens only
            int d = CONFIG.hiddenSize();
            DMatrixRMaj lhs = new DMatrixRMaj(d, d);
            DMatrixRMaj rhs = new DMatrixRMaj(d, d);
            String query = BertKeys.layer(0, BertKeys.Q, "weight");
            for (int k = 0; k < 2; k++) {
                Map<String, float[]> w = models.get(k);
                DMatrixRMaj gram = new DMatrixRMaj(d, d);
                int rows = 0;
                for (long[] s : data.get(k).ids()) {
                    for (int j = 0; j < s.length; j++) {
                        double[] x = embeddingLayerNorm(w, (int) s[j], j, d);
                        for (int a = 0; a < d; a++) {
                            for (int b = 0; b < d; b++) {
                                gram.add(a, b, x[a] * x[b]);
                            }
                        }
                        rows++;
                    }
                }
                CommonOps_DDRM.scale(1.0 / rows, gram); // the per-row mean, as the official RegMean code
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        if (a != b) {
                            gram.set(a, b, alpha * gram.get(a, b));
                        }
                    }
                }
                DMatrixRMaj weightT = new DMatrixRMaj(d, d);
                for (int o = 0; o < d; o++) {
                    for (int i = 0; i < d; i++) {
                        weightT.set(i, o, w.get(query)[o * d + i]);
                    }
                }
                DMatrixRMaj gw = new DMatrixRMaj(d, d);
                CommonOps_DDRM.mult(gram, weightT, gw);
                CommonOps_DDRM.addEquals(lhs, gram);
                CommonOps_DDRM.addEquals(rhs, gw);
            }
            DMatrixRMaj solvedT = new DMatrixRMaj(d, d);
            assertThat(CommonOps_DDRM.solve(lhs, rhs, solvedT)).isTrue();
            float[] got = merged.get(query).toFloatArray();
            double worst = 0;
            double scale = 0;
            for (int o = 0; o < d; o++) {
                for (int i = 0; i < d; i++) {
                    worst = Math.max(worst, Math.abs(got[o * d + i] - solvedT.get(i, o)));
                    scale = Math.max(scale, Math.abs(solvedT.get(i, o)));
                }
            }
            System.out.printf("RegMean on BERT, layer 0 query vs EJML closed form: max abs diff %.3g (max |W| %.3g)%n", worst, scale);
            assertThat(worst).isLessThan(1e-5 * Math.max(1, scale));

            // the regression differs from the plain average; LayerNorms, biases and embeddings are averaged
            float[] q0 = models.get(0).get(query);
            float[] q1 = models.get(1).get(query);
            double fromAverage = 0;
            for (int i = 0; i < got.length; i++) {
                fromAverage = Math.max(fromAverage, Math.abs(got[i] - (q0[i] + q1[i]) / 2));
            }
            assertThat(fromAverage).isGreaterThan(1e-3);
            for (String averaged : List.of(BertKeys.WORD, BertKeys.EMB_LN_WEIGHT, BertKeys.layer(1, BertKeys.FFN_LN, "bias"),
                    BertKeys.layer(0, BertKeys.Q, "bias"))) {
                float[] a = models.get(0).get(averaged);
                float[] b = models.get(1).get(averaged);
                float[] v = merged.get(averaged).toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    assertThat((double) v[i]).as(averaged + " " + i).isCloseTo((a[i] + b[i]) / 2.0, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    /** LayerNorm(word[id] + position[j] + token_type[0]) in float64. */
    private static double[] embeddingLayerNorm(Map<String, float[]> w, int id, int j, int d) {
        double[] e = new double[d];
        double mean = 0;
        for (int a = 0; a < d; a++) {
            e[a] = (double) w.get(BertKeys.WORD)[id * d + a] + w.get(BertKeys.POSITION)[j * d + a] + w.get(BertKeys.TOKEN_TYPE)[a];
            mean += e[a] / d;
        }
        double var = 0;
        for (int a = 0; a < d; a++) {
            var += (e[a] - mean) * (e[a] - mean) / d;
        }
        double[] x = new double[d];
        for (int a = 0; a < d; a++) {
            x[a] = (e[a] - mean) / Math.sqrt(var + CONFIG.layerNormEps()) * w.get(BertKeys.EMB_LN_WEIGHT)[a] + w.get(BertKeys.EMB_LN_BIAS)[a];
        }
        return x;
    }

    @Test
    void fisherOfATextEncoderIsTheMeanSquaredFiniteDifferenceGradientOfTheSampledLogLikelihood() {
        Map<String, float[]> w = weights(4);
        Sentences texts = sentences("fortunes", 12, 3);
        float[] headWeights = new float[3 * CONFIG.hiddenSize()];
        Random r = new Random(5);
        for (int i = 0; i < headWeights.length; i++) {
            headWeights[i] = (float) r.nextGaussian();
        }
        long seed = 7;
        int task = 1;
        try (NDManager m = TorchRuntime.newManager()) {
            ClassificationHead head = new ClassificationHead(m.create(headWeights, new Shape(3, CONFIG.hiddenSize())), null, false);
            FisherMerging fisher = new FisherMerging(new FisherMerging.Settings(texts.count(), seed, 1e-8f));
            Map<String, NDArray> f = fisher.diagonalFisher(ENCODER, arrays(w, m, DataType.FLOAT32), head, texts, task, m);

            // the same label stream (all texts, in order: the sample is the whole set), gradients by central differences in float64
            ClassificationHead head64 = new ClassificationHead(m.create(headWeights, new Shape(3, CONFIG.hiddenSize())).toType(DataType.FLOAT64, false),
                    null, false);
            SplittableRandom labels = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + task);
            Map<String, NDArray> w64 = arrays(w, m, DataType.FLOAT64);
            int[] drawn = new int[texts.count()];
            for (int i = 0; i < texts.count(); i++) {
                float[] p = toFloats(logProbs(w64, head64, texts, i, m), true);
                drawn[i] = FisherMerging.draw(p, labels);
            }
            String[][] entries = {{BertKeys.layer(1, BertKeys.FFN_OUT, "weight"), "37"}, {BertKeys.layer(0, BertKeys.Q, "weight"), "5"},
                    {BertKeys.layer(1, BertKeys.ATTN_LN, "weight"), "3"}, {BertKeys.WORD, String.valueOf(texts.ids()[0][1] * CONFIG.hiddenSize() + 2)},
                    {BertKeys.layer(0, BertKeys.V, "bias"), "9"}};
            double h = 1e-5;
            for (String[] e : entries) {
                int index = Integer.parseInt(e[1]);
                double expected = 0;
                for (int i = 0; i < texts.count(); i++) {
                    double plus = shifted(w64, e[0], index, h, head64, texts, i, drawn[i], m);
                    double minus = shifted(w64, e[0], index, -h, head64, texts, i, drawn[i], m);
                    double g = (plus - minus) / (2 * h);
                    expected += g * g / texts.count();
                }
                double got = f.get(e[0]).toFloatArray()[index];
                System.out.printf("Fisher %s[%d]: %.6g, finite differences %.6g%n", e[0], index, got, expected);
                assertThat(expected).as("a parameter the output depends on").isGreaterThan(1e-8);
                assertThat(got).isCloseTo(expected, org.assertj.core.data.Offset.offset(2e-3 * expected + 1e-9));
            }
            f.values().forEach(a -> {
                float[] v = a.toFloatArray();
                assertThat(io.adamerge.io.Finite.firstNonFinite(v)).isNegative();
                for (float x : v) {
                    assertThat(x).isGreaterThanOrEqualTo(0f);
                }
            });
        }
    }

    private static NDArray logProbs(Map<String, NDArray> w, ClassificationHead head, Sentences texts, int i, NDManager m) {
        return head.logits(ENCODER.embed(w, texts.select(new int[] {i}, m))).logSoftmax(-1);
    }

    private static double shifted(Map<String, NDArray> w, String tensor, int index, double h, ClassificationHead head, Sentences texts,
                                  int i, int label, NDManager m) {
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> copy = new LinkedHashMap<>(w);
            double[] v = w.get(tensor).toDoubleArray();
            v[index] += h;
            copy.put(tensor, scope.create(v, w.get(tensor).getShape()));
            return logProbs(copy, head, texts, i, scope).toDoubleArray()[label];
        }
    }

    private static float[] toFloats(NDArray logProbs, boolean exp) {
        double[] v = logProbs.toDoubleArray();
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (exp ? Math.exp(v[i]) : v[i]);
        }
        return out;
    }
}
