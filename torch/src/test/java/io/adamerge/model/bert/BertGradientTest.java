package io.adamerge.model.bert;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.onnx.BuiltinBert;
import io.adamerge.onnx.SentencePooling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradients of the encoder (through pooling and normalisation) against central finite differences, in float64:
 * every tensor of a small random BERT with padded sequences and two token types, and a spread of weights of the
 * real all-MiniLM-L6-v2 and bge-small-en-v1.5. The loss is a fixed random projection of the sentence embeddings.
 */
class BertGradientTest {
    private static final double EPS = 1e-6;

    /** Loss and autograd gradient of selected coordinates; finite differences of the same coordinates. */
    record Check(String tensor, long index, double autograd, double finiteDifference) {
        double error() {
            return Math.abs(autograd - finiteDifference);
        }
    }

    private static double loss(BertEncoder encoder, Map<String, NDArray> w, TokenBatch tokens, SentencePooling pooling, NDArray projection) {
        try (NDManager step = projection.getManager().newSubManager()) {
            TokenBatch batch = new TokenBatch(view(tokens.inputIds(), step), view(tokens.attentionMask(), step), view(tokens.tokenTypeIds(), step));
            return encoder.sentenceEmbedding(w, batch, pooling, true).mul(projection).sum().getDouble();
        }
    }

    private static NDArray view(NDArray a, NDManager m) {
        NDArray v = a.duplicate();
        v.attach(m);
        return v;
    }

    /** Autograd against finite differences for {@code perTensor} random coordinates of each named tensor. */
    static List<Check> check(BertEncoder encoder, Map<String, NDArray> w, TokenBatch tokens, SentencePooling pooling, List<String> tensors,
                             int perTensor, Map<String, long[]> rowsOf, long seed) {
        NDManager manager = tokens.inputIds().getManager();
        Random r = new Random(seed);
        int dim = encoder.config().hiddenSize();
        double[] proj = new double[(int) tokens.batchSize() * dim];
        for (int i = 0; i < proj.length; i++) {
            proj[i] = r.nextGaussian();
        }
        NDArray projection = manager.create(proj, new Shape(tokens.batchSize(), dim));
        Map<String, double[]> grads = new LinkedHashMap<>();
        try (NDManager step = manager.newSubManager()) {
            Map<String, NDArray> leaves = new LinkedHashMap<>();
            w.forEach((name, a) -> {
                NDArray leaf = a.duplicate();
                leaf.attach(step);
                leaf.setRequiresGradient(true);
                leaves.put(name, leaf);
            });
            try (GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                NDArray l = encoder.sentenceEmbedding(leaves, tokens, pooling, true).mul(projection).sum();
                collector.backward(l);
            }
            for (String t : tensors) {
                grads.put(t, leaves.get(t).getGradient().toDoubleArray());
            }
        }
        List<Check> checks = new ArrayList<>();
        for (String t : tensors) {
            NDArray param = w.get(t);
            long size = param.size();
            long[] rows = rowsOf.get(t);
            long rowLength = param.getShape().dimension() > 1 ? param.getShape().get(1) : 1;
            for (int k = 0; k < perTensor; k++) {
                long index = rows != null ? rows[r.nextInt(rows.length)] * rowLength + r.nextInt((int) rowLength) : (long) (r.nextDouble() * size);
                NDArray flat = param.reshape(-1);
                double original = flat.getDouble(index);
                flat.set(new ai.djl.ndarray.index.NDIndex(index), original + EPS);
                double plus = loss(encoder, w, tokens, pooling, projection);
                flat.set(new ai.djl.ndarray.index.NDIndex(index), original - EPS);
                double minus = loss(encoder, w, tokens, pooling, projection);
                flat.set(new ai.djl.ndarray.index.NDIndex(index), original);
                flat.close();
                checks.add(new Check(t, index, grads.get(t)[(int) index], (plus - minus) / (2 * EPS)));
            }
        }
        return checks;
    }

    static Map<String, NDArray> randomWeights(BertConfig c, NDManager m, Random r) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        BertKeys.shapes(c).forEach((name, shape) -> {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            double[] v = new double[n];
            boolean gamma = name.endsWith("LayerNorm.weight");
            for (int i = 0; i < n; i++) {
                v[i] = gamma ? 1 + 0.2 * r.nextGaussian() : 0.3 * r.nextGaussian();
            }
            w.put(name, m.create(v, new Shape(shape)));
        });
        return w;
    }

    static TokenBatch tokens(NDManager m, long[][] ids, long[][] types) {
        int batch = ids.length;
        int length = 0;
        for (long[] s : ids) {
            length = Math.max(length, s.length);
        }
        long[] flatIds = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] flatTypes = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < ids[b].length; t++) {
                flatIds[b * length + t] = ids[b][t];
                mask[b * length + t] = 1;
                flatTypes[b * length + t] = types == null ? 0 : types[b][t];
            }
        }
        Shape s = new Shape(batch, length);
        return new TokenBatch(m.create(flatIds, s), m.create(mask, s), m.create(flatTypes, s));
    }

    @Test
    void everyTensorOfASmallBertMatchesFiniteDifferences() {
        BertConfig c = new BertConfig(30, 8, 2, 2, 16, 12, 2, 1e-12, HiddenAct.GELU);
        BertEncoder encoder = new BertEncoder(c);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = randomWeights(c, m, new Random(11));
            TokenBatch tokens = tokens(m, new long[][] {{2, 7, 9, 3}, {2, 11, 12, 13, 14, 3}, {2, 5, 3}},
                    new long[][] {{0, 0, 1, 1}, {0, 0, 0, 1, 1, 1}, {0, 1, 1}});
            // word-embedding rows of the tokens in use; all other rows have zero gradient
            Map<String, long[]> rows = Map.of(BertKeys.WORD, new long[] {2, 3, 5, 7, 9, 11, 12, 13, 14},
                    BertKeys.POSITION, new long[] {0, 1, 2, 3, 4, 5});
            for (SentencePooling pooling : SentencePooling.values()) {
                List<Check> checks = check(encoder, w, tokens, pooling, new ArrayList<>(w.keySet()), 3, rows, 5);
                double worst = checks.stream().mapToDouble(Check::error).max().orElseThrow();
                double scale = checks.stream().mapToDouble(k -> Math.abs(k.autograd())).max().orElseThrow();
                System.out.printf("small BERT, %s pooling: %d coordinates, max |autograd - FD| %.2e (largest |gradient| %.2e)%n",
                        pooling, checks.size(), worst, scale);
                assertThat(scale).isGreaterThan(1e-3);
                for (Check k : checks) {
                    assertThat(k.error()).as("%s[%d] (%s pooling): autograd %s, FD %s", k.tensor(), k.index(), pooling, k.autograd(),
                            k.finiteDifference()).isLessThan(1e-7 * Math.max(1, Math.abs(k.autograd())));
                }
            }
        }
    }

    @Test
    void paddingChangesNothing() {
        BertConfig c = new BertConfig(30, 8, 2, 2, 16, 12, 2, 1e-12, HiddenAct.GELU);
        BertEncoder encoder = new BertEncoder(c);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = randomWeights(c, m, new Random(2));
            double[] alone = encoder.sentenceEmbedding(w, tokens(m, new long[][] {{2, 5, 3}}, null), SentencePooling.MEAN, true).toDoubleArray();
            // the same sequence padded to 6 with arbitrary ids behind the mask
            TokenBatch padded = tokens(m, new long[][] {{2, 5, 3}, {2, 11, 12, 13, 14, 3}}, null);
            long[] ids = padded.inputIds().toLongArray();
            ids[3] = 29;
            ids[4] = 17;
            TokenBatch scrambled = new TokenBatch(m.create(ids, padded.inputIds().getShape()), padded.attentionMask(), padded.tokenTypeIds());
            double[] batch = encoder.sentenceEmbedding(w, scrambled, SentencePooling.MEAN, true).toDoubleArray();
            for (int j = 0; j < 8; j++) {
                assertThat(batch[j]).isCloseTo(alone[j], org.assertj.core.data.Offset.offset(1e-14));
            }
        }
    }

    @Test
    void theObserverSeesEveryLinearInputForRealTokensOnly() {
        BertConfig c = new BertConfig(30, 8, 2, 2, 16, 12, 2, 1e-12, HiddenAct.GELU);
        BertEncoder encoder = new BertEncoder(c);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = randomWeights(c, m, new Random(4));
            TokenBatch tokens = tokens(m, new long[][] {{2, 7, 9, 3}, {2, 11, 12, 13, 14, 3}, {2, 5, 3}}, null);
            Map<String, long[]> seen = new LinkedHashMap<>();
            double[] observed = encoder.lastHiddenState(w, tokens, (site, rows) -> seen.put(site, rows.getShape().getShape())).toDoubleArray();
            assertThat(encoder.lastHiddenState(w, tokens).toDoubleArray()).containsExactly(observed);
            assertThat(seen.keySet()).containsExactlyElementsOf(
                    encoder.linearLayers().stream().map(BertEncoder.LinearLayer::site).distinct().toList());
            seen.forEach((site, shape) -> assertThat(shape).as(site).containsExactly(13, site.endsWith("activation") ? 16 : 8));
        }
    }

    /** The real models in float64: a spread of tensors from the first to the last layer. */
    private static void realModel(BuiltinBert builtin) {
        try (NDManager m = TorchRuntime.newManager(); BertModel model = BertModel.load(ImportedBert.directory(builtin), m)) {
            Map<String, NDArray> w = new LinkedHashMap<>();
            model.weights().forEach((name, a) -> w.put(name, a.toType(DataType.FLOAT64, true)));
            TokenBatch tokens = model.tokenizer().encode(List.of("Merging models is fun.", "Ein kurzer Satz über Katzen 🐱"), m);
            long[] used = tokens.inputIds().toLongArray();
            int last = model.config().numLayers() - 1;
            List<String> tensors = List.of(BertKeys.WORD, BertKeys.POSITION, BertKeys.EMB_LN_WEIGHT,
                    BertKeys.layer(0, BertKeys.Q, "weight"), BertKeys.layer(0, BertKeys.K, "bias"),
                    BertKeys.layer(last / 2, BertKeys.V, "weight"), BertKeys.layer(last / 2, BertKeys.FFN_IN, "weight"),
                    BertKeys.layer(last, BertKeys.ATTN_OUT, "weight"), BertKeys.layer(last, BertKeys.FFN_OUT, "weight"),
                    BertKeys.layer(last, BertKeys.FFN_LN, "weight"));
            Map<String, long[]> rows = Map.of(BertKeys.WORD, used, BertKeys.POSITION, new long[] {0, 1, 2, 3, 4, 5, 6});
            List<Check> checks = check(model.encoder(), w, tokens, model.pooling(), tensors, 3, rows, 9);
            double worst = checks.stream().mapToDouble(Check::error).max().orElseThrow();
            double worstRel = checks.stream().mapToDouble(k -> k.error() / Math.max(1e-3, Math.abs(k.autograd()))).max().orElseThrow();
            System.out.printf("%s (float64): %d coordinates, max |autograd - FD| %.2e, max relative %.2e%n", builtin.id(), checks.size(),
                    worst, worstRel);
            for (Check k : checks) {
                assertThat(k.error()).as("%s[%d]: autograd %s, FD %s", k.tensor(), k.index(), k.autograd(), k.finiteDifference())
                        .isLessThan(1e-6 * Math.max(1e-2, Math.abs(k.autograd())));
            }
        }
    }

    @Test
    void miniLmGradientsMatchFiniteDifferences() {
        realModel(BuiltinBert.ALL_MINILM_L6_V2);
    }

    @Test
    void bgeSmallGradientsMatchFiniteDifferences() {
        realModel(BuiltinBert.BGE_SMALL_EN_V15);
    }
}
