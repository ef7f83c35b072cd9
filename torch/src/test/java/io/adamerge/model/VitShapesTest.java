package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.CheckpointException;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real CLIP shapes run end to end on random weights, in both layouts. */
class VitShapesTest {

    @Test
    void vitB32() {
        runBothLayouts(VitConfig.vitB32(), 2);
    }

    @Test
    void vitB16() {
        runBothLayouts(VitConfig.vitB16(), 1);
    }

    @Test
    @Tag("slow")
    void vitL14() {
        runBothLayouts(VitConfig.vitL14(), 1);
    }

    private static void runBothLayouts(VitConfig config, int batch) {
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> canonical = VitInit.random(config, m, 7);
            NDArray pixels = m.randomNormal(new Shape(batch, 3, config.imageSize(), config.imageSize()));
            VisionOutput hf = new ClipVisionModel(config, WeightLayout.HUGGING_FACE).forward(canonical, pixels);
            assertThat(hf.pooled().getShape()).isEqualTo(new Shape(batch, config.hiddenSize()));
            assertThat(hf.imageEmbeds().getShape()).isEqualTo(new Shape(batch, config.projectionDim()));
            assertThat(hf.imageEmbeds().isInfinite().any().getBoolean()).isFalse();
            assertThat(hf.imageEmbeds().isNaN().any().getBoolean()).isFalse();
            // post-layernorm with unit gain and zero bias: each pooled row has mean 0 and variance 1
            NDArray pooled = hf.pooled();
            float[] mean = pooled.mean(new int[] {1}).toFloatArray();
            float[] var = pooled.sub(pooled.mean(new int[] {1}, true)).pow(2).mean(new int[] {1}).toFloatArray();
            for (int i = 0; i < batch; i++) {
                assertThat(mean[i]).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(var[i]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-3f));
            }
            Map<String, NDArray> openClip = OpenClipLayout.fromCanonical(canonical, config, m);
            new ClipVisionModel(config, WeightLayout.OPEN_CLIP).validate(openClip);
            VisionOutput oc = new ClipVisionModel(config, WeightLayout.OPEN_CLIP).forward(openClip, pixels);
            Reference.assertClose("open_clip vs HF image_embeds", oc.imageEmbeds().toFloatArray(), hf.imageEmbeds().toFloatArray(), 1e-5);
        }
    }

    @Test
    void randomInitIsReproducibleAndClipLike() {
        VitConfig config = new VitConfig(32, 8, 3, 128, 2, 2, 256, 16, 1e-5, HiddenAct.QUICK_GELU);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> a = VitInit.random(config, m, 3);
            Map<String, NDArray> b = VitInit.random(config, m, 3);
            assertThat(a.keySet()).containsExactlyElementsOf(ClipKeys.shapes(config).keySet());
            assertThat(a.get(ClipKeys.layer(1, ClipKeys.FC1_WEIGHT)).toFloatArray())
                    .containsExactly(b.get(ClipKeys.layer(1, ClipKeys.FC1_WEIGHT)).toFloatArray());
            assertThat(a.get(ClipKeys.POST_LN_WEIGHT).toFloatArray()).containsOnly(1f);
            assertThat(a.get(ClipKeys.layer(0, ClipKeys.Q_BIAS)).toFloatArray()).containsOnly(0f);
            // q/k/v std = d^-0.5 (2L)^-0.5 = 128^-0.5 / 2
            NDArray q = a.get(ClipKeys.layer(0, ClipKeys.Q_WEIGHT));
            double std = Math.sqrt(q.pow(2).mean().getFloat());
            assertThat(std).isCloseTo(Math.pow(128, -0.5) / 2, org.assertj.core.data.Offset.offset(0.003));
            assertThat(q.getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    @Test
    void wrongShapesAreNamed() {
        VitConfig config = new VitConfig(32, 8, 3, 64, 1, 1, 128, 0, 1e-5, HiddenAct.GELU);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = VitInit.random(config, m, 1);
            NDArray pixels = m.zeros(new Shape(1, 3, 32, 32));
            ClipVisionModel model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
            assertThat(model.forward(w, pixels).imageEmbeds()).isNull();
            assertThatThrownBy(() -> model.forward(w, m.zeros(new Shape(1, 3, 24, 24))))
                    .hasMessageContaining("pixel_values has shape [1, 3, 24, 24]");
            NDArray fc2 = w.put(ClipKeys.layer(0, ClipKeys.FC2_WEIGHT), m.zeros(new Shape(64, 64)));
            assertThatThrownBy(() -> model.forward(w, pixels)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("vision_model.encoder.layers.0.mlp.fc2.weight").hasMessageContaining("[64, 128]");
            w.put(ClipKeys.layer(0, ClipKeys.FC2_WEIGHT), fc2);
            w.remove(ClipKeys.POST_LN_BIAS);
            assertThatThrownBy(() -> model.forward(w, pixels)).hasMessageContaining("missing weight 'vision_model.post_layernorm.bias'");
        }
    }

    @Test
    void activationsMatchTheirFormulas() {
        try (NDManager m = TorchRuntime.newManager()) {
            float[] xs = {-3f, -1f, -0.25f, 0f, 0.5f, 2f};
            NDArray x = m.create(xs);
            float[] quick = HiddenAct.QUICK_GELU.apply(x).toFloatArray();
            float[] gelu = HiddenAct.GELU.apply(x).toFloatArray();
            float[] tanh = HiddenAct.GELU_TANH.apply(x).toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double v = xs[i];
                assertThat((double) quick[i]).isCloseTo(v / (1 + Math.exp(-1.702 * v)), org.assertj.core.data.Offset.offset(1e-6));
                // exact GELU: 0.5 x (1 + erf(x/√2)); Φ(-3) = 0.0013499, Φ(-1) = 0.158655, Φ(-0.25) = 0.401294, Φ(0.5) = 0.691462, Φ(2) = 0.977250
                double[] phi = {0.0013499, 0.158655, 0.401294, 0.5, 0.691462, 0.977250};
                assertThat((double) gelu[i]).isCloseTo(v * phi[i], org.assertj.core.data.Offset.offset(1e-5));
                double t = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                assertThat((double) tanh[i]).isCloseTo(t, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        assertThat(HiddenAct.parse("gelu_new")).isEqualTo(HiddenAct.GELU_TANH);
        assertThatThrownBy(() -> HiddenAct.parse("relu")).hasMessageContaining("unsupported hidden_act 'relu'");
    }
}
