package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inputs {@link LinearInputs} reports for each linear layer, against computations independent of the tower: the
 * patches unfolded by index arithmetic, the pooled class token and the embeddings from PyTorch ({@code vit_io}), and
 * the first layer's normed tokens, attention context and every layer's activation recomputed in double precision from
 * the weights, plain Java loops.
 */
class LinearInputsTest {
    private static final Path HF = Fixture.DIR.resolve("vit_hf.safetensors");
    private static final Path IO = Fixture.DIR.resolve("vit_io.safetensors");
    /** Float32 forward vs double recomputation, values of order 1: measured up to 1.7e-6 (pooled). */
    private static final double TOLERANCE = 5e-6;

    @Test
    void eachSiteHoldsTheInputOfItsLinearLayers() {
        try (NDManager m = TorchRuntime.newManager(); Checkpoint w = Checkpoint.open(HF); Checkpoint ref = Checkpoint.open(IO)) {
            VitConfig c = ClipVisionModel.load(HF, Fixture.CONFIG, m).model().config();
            Map<String, NDArray> weights = new LinkedHashMap<>();
            ClipKeys.shapes(c).forEach((name, shape) -> weights.put(name, m.create(w.readFloats(name), new Shape(shape))));
            float[] px = ref.readFloats("pixel_values");
            int batch = 4;
            NDArray pixels = m.create(px, new Shape(batch, 3, 32, 32));
            Map<String, float[]> seen = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            VisionOutput out = LinearInputs.forward(c, weights, pixels, (site, rows) -> {
                seen.put(site, rows.toFloatArray());
                shapes.put(site, rows.getShape().getShape());
            });
            assertThat(seen.keySet()).containsExactlyElementsOf(LinearInputs.sites(LinearInputs.layers(c, true)));
            int p = c.patchSize();
            int g = c.gridSize();
            int d = c.hiddenSize();
            int t = c.numPositions();

            // patches: pixel (b, ch, gy·p + y, gx·p + x) is column ch·p² + y·p + x of row b·g² + gy·g + gx
            float[] patches = new float[batch * g * g * 3 * p * p];
            for (int b = 0; b < batch; b++) {
                for (int gy = 0; gy < g; gy++) {
                    for (int gx = 0; gx < g; gx++) {
                        for (int ch = 0; ch < 3; ch++) {
                            for (int y = 0; y < p; y++) {
                                for (int x = 0; x < p; x++) {
                                    int row = b * g * g + gy * g + gx;
                                    patches[row * 3 * p * p + ch * p * p + y * p + x] = px[((b * 3 + ch) * 32 + gy * p + y) * 32 + gx * p + x];
                                }
                            }
                        }
                    }
                }
            }
            assertThat(shapes.get(LinearInputs.PATCHES)).containsExactly((long) batch * g * g, 3L * p * p);
            assertThat(seen.get(LinearInputs.PATCHES)).containsExactly(patches);

            // pooled class token and embeddings: PyTorch's
            assertClose(seen.get(LinearInputs.POOLED), ref.readFloats("pooled"), "pooled");
            assertClose(out.imageEmbeds().toFloatArray(), ref.readFloats("image_embeds"), "image_embeds");

            // layer 0's first layer norm: tokens = [cls; patches·Wᵀ] + positions, pre-LN, LN1
            double[][] tokens = new double[batch * t][d];
            float[] kernel = w.readFloats(ClipKeys.PATCH_EMBEDDING);
            float[] cls = w.readFloats(ClipKeys.CLASS_EMBEDDING);
            float[] pos = w.readFloats(ClipKeys.POSITION_EMBEDDING);
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < d; j++) {
                        double v = pos[i * d + j];
                        if (i == 0) {
                            v += cls[j];
                        } else {
                            int row = b * g * g + i - 1;
                            for (int k = 0; k < 3 * p * p; k++) {
                                v += (double) patches[row * 3 * p * p + k] * kernel[j * 3 * p * p + k];
                            }
                        }
                        tokens[b * t + i][j] = v;
                    }
                }
            }
            double[][] ln1 = layerNorm(layerNorm(tokens, w, ClipKeys.PRE_LN_WEIGHT, ClipKeys.PRE_LN_BIAS, c),
                    w, ClipKeys.layer(0, ClipKeys.LN1_WEIGHT), ClipKeys.layer(0, ClipKeys.LN1_BIAS), c);
            assertClose(seen.get("layers.0.ln1"), flat(ln1), "layers.0.ln1");

            // layer 0's attention context from its observed ln1
            double[][] h = rows(seen.get("layers.0.ln1"), d);
            double[][] q = linear(h, w, ClipKeys.layer(0, ClipKeys.Q_WEIGHT), ClipKeys.layer(0, ClipKeys.Q_BIAS));
            double[][] k = linear(h, w, ClipKeys.layer(0, ClipKeys.K_WEIGHT), ClipKeys.layer(0, ClipKeys.K_BIAS));
            double[][] v = linear(h, w, ClipKeys.layer(0, ClipKeys.V_WEIGHT), ClipKeys.layer(0, ClipKeys.V_BIAS));
            int hd = c.headDim();
            double[][] context = new double[batch * t][d];
            for (int b = 0; b < batch; b++) {
                for (int head = 0; head < c.numHeads(); head++) {
                    for (int i = 0; i < t; i++) {
                        double[] score = new double[t];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < t; j++) {
                            double s = 0;
                            for (int e = 0; e < hd; e++) {
                                s += q[b * t + i][head * hd + e] * k[b * t + j][head * hd + e];
                            }
                            score[j] = s / Math.sqrt(hd);
                            max = Math.max(max, score[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < t; j++) {
                            score[j] = Math.exp(score[j] - max);
                            sum += score[j];
                        }
                        for (int e = 0; e < hd; e++) {
                            double acc = 0;
                            for (int j = 0; j < t; j++) {
                                acc += score[j] / sum * v[b * t + j][head * hd + e];
                            }
                            context[b * t + i][head * hd + e] = acc;
                        }
                    }
                }
            }
            assertClose(seen.get("layers.0.context"), flat(context), "layers.0.context");

            // every layer's activation: quick_gelu(fc1(ln2)) from its observed ln2
            for (int layer = 0; layer < c.numLayers(); layer++) {
                double[][] fc1 = linear(rows(seen.get("layers." + layer + ".ln2"), d), w,
                        ClipKeys.layer(layer, ClipKeys.FC1_WEIGHT), ClipKeys.layer(layer, ClipKeys.FC1_BIAS));
                for (double[] row : fc1) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = row[j] / (1 + Math.exp(-1.702 * row[j]));
                    }
                }
                assertThat(shapes.get("layers." + layer + ".activation")).containsExactly((long) batch * t, c.intermediateSize());
                assertClose(seen.get("layers." + layer + ".activation"), flat(fc1), "layers." + layer + ".activation");
            }
        }
    }

    private static double[][] layerNorm(double[][] x, Checkpoint w, String gain, String bias, VitConfig c) {
        float[] gm = w.readFloats(gain);
        float[] bt = w.readFloats(bias);
        double[][] out = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            double mean = 0;
            for (double v : x[r]) {
                mean += v;
            }
            mean /= x[r].length;
            double var = 0;
            for (double v : x[r]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[r].length;
            out[r] = new double[x[r].length];
            for (int j = 0; j < x[r].length; j++) {
                out[r][j] = (x[r][j] - mean) / Math.sqrt(var + c.layerNormEps()) * gm[j] + bt[j];
            }
        }
        return out;
    }

    private static double[][] linear(double[][] x, Checkpoint w, String weight, String bias) {
        float[] wt = w.readFloats(weight);
        float[] b = w.readFloats(bias);
        int in = x[0].length;
        int outDim = b.length;
        double[][] out = new double[x.length][outDim];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < outDim; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += x[r][i] * wt[o * in + i];
                }
                out[r][o] = s;
            }
        }
        return out;
    }

    private static double[][] rows(float[] flat, int width) {
        double[][] out = new double[flat.length / width][width];
        for (int i = 0; i < flat.length; i++) {
            out[i / width][i % width] = flat[i];
        }
        return out;
    }

    private static double[] flat(double[][] x) {
        double[] out = new double[x.length * x[0].length];
        for (int r = 0; r < x.length; r++) {
            System.arraycopy(x[r], 0, out, r * x[0].length, x[0].length);
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        assertClose(actual, e, what);
    }

    private static void assertClose(float[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        System.out.printf("%s: max |diff| %.3g%n", what, worst);
        assertThat(worst).as("%s max |diff|", what).isLessThanOrEqualTo(TOLERANCE);
    }
}
