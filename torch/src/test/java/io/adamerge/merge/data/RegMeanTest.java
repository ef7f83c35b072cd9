package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.OpenClipLayout;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RegMeanTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = TorchRuntime.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static RegMean regMean(double alpha) {
        return new RegMean(new RegMean.Settings(8, alpha, 4, 0, true));
    }

    @Test
    void oneModelAndTwoCopiesOfItReturnIt() {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> ft = Fixture.finetuned(1, m).weights();
            double one = Fixture.maxRelDiff(regMean(0.9).merge(Fixture.input(m, 1), m), ft);
            double twice = Fixture.maxRelDiff(regMean(0.9).merge(Fixture.input(m, 1, 1), m), ft);
            System.out.printf("RegMean of one model: max rel diff %.3g; of two copies %.3g%n", one, twice);
            assertThat(one).isLessThan(1e-5);
            assertThat(twice).isLessThan(1e-5);
        }
    }

    @Test
    void nonLinearParametersAreAveragedAndLinearOnesAreNot() {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> merged = regMean(0.9).merge(Fixture.input(m, 0, 1, 2), m);
            String bias = ClipKeys.layer(0, ClipKeys.FC1_BIAS);
            String ln = ClipKeys.PRE_LN_WEIGHT;
            assertThat(Fixture.relDiff(merged.get(bias).toFloatArray(), Fixture.expected("weight_average", bias))).isLessThan(1e-6);
            assertThat(Fixture.relDiff(merged.get(ln).toFloatArray(), Fixture.expected("weight_average", ln))).isLessThan(1e-6);
            String fc1 = ClipKeys.layer(0, ClipKeys.FC1_WEIGHT);
            assertThat(Fixture.relDiff(merged.get(fc1).toFloatArray(), Fixture.expected("weight_average", fc1))).isGreaterThan(1e-3);
            for (NDArray a : merged.values()) {
                for (float v : a.toFloatArray()) {
                    assertThat(Float.isFinite(v)).isTrue();
                }
            }
        }
    }

    @Test
    void openClipLayoutGivesTheSameMergeAsHuggingFace() {
        try (NDManager m = manager.newSubManager()) {
            DataMergeInput hf = Fixture.input(m, 0, 2);
            Map<String, NDArray> hfMerged = regMean(0.9).merge(hf, m);
            VitConfig config = (VitConfig) hf.model().config();
            ClipVisionModel openClip = new ClipVisionModel(config, WeightLayout.OPEN_CLIP);
            List<DataMergeInput.Task> tasks = new ArrayList<>();
            for (DataMergeInput.Task t : hf.tasks()) {
                tasks.add(new DataMergeInput.Task(t.name(), OpenClipLayout.fromCanonical(t.weights(), config, m), t.head(), t.examples()));
            }
            Map<String, NDArray> ocMerged = regMean(0.9).merge(new DataMergeInput(openClip, tasks), m);
            Map<String, NDArray> back = OpenClipLayout.toCanonical(ocMerged, config, m);
            assertThat(Fixture.maxRelDiff(back, hfMerged)).isLessThan(1e-6);
        }
    }

    @Test
    void diagonalGramsGiveTheInputWiseWeightedAverage() {
        // diagonal Grams: W[:, i] = Σ_k g_k[i] W_k[:, i] / Σ_k g_k[i], whatever α is
        try (NDManager m = manager.newSubManager()) {
            float[] g1 = {1f, 4f, 0.5f};
            float[] g2 = {3f, 1f, 0.5f};
            float[] w1 = {1f, 2f, 3f, 4f, 5f, 6f};
            float[] w2 = {-1f, 0f, 1f, 2f, 3f, 10f};
            NDArray merged = RegMean.mergeLinear(List.of(diag(m, g1), diag(m, g2)),
                    List.of(m.create(w1, new Shape(2, 3)), m.create(w2, new Shape(2, 3))), 0.3, m);
            float[] got = merged.toFloatArray();
            for (int o = 0; o < 2; o++) {
                for (int i = 0; i < 3; i++) {
                    double want = (g1[i] * w1[o * 3 + i] + g2[i] * w2[o * 3 + i]) / (g1[i] + g2[i]);
                    assertThat((double) got[o * 3 + i]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    @Test
    void identicalGramsGiveTheAverageAndAlphaOneIsTheClosedForm() {
        try (NDManager m = manager.newSubManager()) {
            Random r = new Random(1);
            NDArray x = m.create(gaussian(r, 20 * 4), new Shape(20, 4));
            NDArray gram = x.transpose().matMul(x);
            NDArray w1 = m.create(gaussian(r, 12), new Shape(3, 4));
            NDArray w2 = m.create(gaussian(r, 12), new Shape(3, 4));
            NDArray avg = RegMean.mergeLinear(List.of(gram, gram), List.of(w1, w2), 0.9, m);
            assertThat(Fixture.relDiff(avg.toFloatArray(), w1.add(w2).div(2).toFloatArray())).isLessThan(1e-5);

            NDArray y = m.create(gaussian(r, 30 * 4), new Shape(30, 4));
            NDArray gram2 = y.transpose().matMul(y);
            NDArray merged = RegMean.mergeLinear(List.of(gram, gram2), List.of(w1, w2), 1.0, m);
            // closed form with DJL linear algebra in float64: ((G1 + G2)^-1 (G1 W1ᵀ + G2 W2ᵀ))ᵀ
            NDArray g1 = gram.toType(DataType.FLOAT64, true);
            NDArray g2 = gram2.toType(DataType.FLOAT64, true);
            NDArray rhs = g1.matMul(w1.toType(DataType.FLOAT64, true).transpose()).add(g2.matMul(w2.toType(DataType.FLOAT64, true).transpose()));
            NDArray closed = g1.add(g2).inverse().matMul(rhs).transpose().toType(DataType.FLOAT32, true);
            assertThat(Fixture.relDiff(merged.toFloatArray(), closed.toFloatArray())).isLessThan(1e-6);
        }
    }

    @Test
    void alphaOneIsTheLeastSquaresFitOfBothModelsOutputsOnTheirData() {
        // independent check: min_W Σ_k ||X_k Wᵀ − X_k W_kᵀ||², solved by Householder QR on the stacked regression
        Random r = new Random(7);
        int in = 5;
        int out = 3;
        int n1 = 25;
        int n2 = 40;
        double[][] x1 = matrix(r, n1, in);
        double[][] x2 = matrix(r, n2, in);
        double[][] w1 = matrix(r, out, in);
        double[][] w2 = matrix(r, out, in);
        double[][] stackedX = new double[n1 + n2][];
        double[][] targets = new double[n1 + n2][];
        for (int i = 0; i < n1; i++) {
            stackedX[i] = x1[i];
            targets[i] = times(w1, x1[i]);
        }
        for (int i = 0; i < n2; i++) {
            stackedX[n1 + i] = x2[i];
            targets[n1 + i] = times(w2, x2[i]);
        }
        double[][] lsq = leastSquaresQr(stackedX, targets); // [in][out]
        try (NDManager m = manager.newSubManager()) {
            NDArray merged = RegMean.mergeLinear(List.of(gram(m, x1), gram(m, x2)), List.of(m.create(flat(w1), new Shape(out, in)),
                    m.create(flat(w2), new Shape(out, in))), 1.0, m);
            float[] got = merged.toFloatArray();
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    assertThat((double) got[o * in + i]).isCloseTo(lsq[i][o], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    private static NDArray diag(NDManager m, float[] d) {
        float[] a = new float[d.length * d.length];
        for (int i = 0; i < d.length; i++) {
            a[i * d.length + i] = d[i];
        }
        return m.create(a, new Shape(d.length, d.length));
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static double[][] matrix(Random r, int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) r.nextGaussian(); // float-representable, so float32 inputs are exact
            }
        }
        return a;
    }

    private static float[] flat(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                f[i * a[0].length + j] = (float) a[i][j];
            }
        }
        return f;
    }

    private static NDArray gram(NDManager m, double[][] x) {
        NDArray a = m.create(flat(x), new Shape(x.length, x[0].length)).toType(DataType.FLOAT64, false);
        return a.transpose().matMul(a);
    }

    private static double[] times(double[][] w, double[] x) {
        double[] y = new double[w.length];
        for (int o = 0; o < w.length; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += w[o][i] * x[i];
            }
        }
        return y;
    }

    /** argmin_B ||A B − Y||, A [n][p] with n ≥ p of full rank, via Householder QR. */
    private static double[][] leastSquaresQr(double[][] a0, double[][] y0) {
        int n = a0.length;
        int p = a0[0].length;
        int q = y0[0].length;
        double[][] a = new double[n][];
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
            y[i] = y0[i].clone();
        }
        for (int k = 0; k < p; k++) {
            double norm = 0;
            for (int i = k; i < n; i++) {
                norm += a[i][k] * a[i][k];
            }
            norm = Math.sqrt(norm);
            double alpha = a[k][k] > 0 ? -norm : norm;
            double[] v = new double[n];
            v[k] = a[k][k] - alpha;
            for (int i = k + 1; i < n; i++) {
                v[i] = a[i][k];
            }
            double vv = 0;
            for (int i = k; i < n; i++) {
                vv += v[i] * v[i];
            }
            for (int j = k; j < p; j++) {
                double dot = 0;
                for (int i = k; i < n; i++) {
                    dot += v[i] * a[i][j];
                }
                for (int i = k; i < n; i++) {
                    a[i][j] -= 2 * dot / vv * v[i];
                }
            }
            for (int j = 0; j < q; j++) {
                double dot = 0;
                for (int i = k; i < n; i++) {
                    dot += v[i] * y[i][j];
                }
                for (int i = k; i < n; i++) {
                    y[i][j] -= 2 * dot / vv * v[i];
                }
            }
        }
        double[][] b = new double[p][q];
        for (int j = 0; j < q; j++) {
            for (int k = p - 1; k >= 0; k--) {
                double s = y[k][j];
                for (int c = k + 1; c < p; c++) {
                    s -= a[k][c] * b[c][j];
                }
                b[k][j] = s / a[k][k];
            }
        }
        return b;
    }
}
