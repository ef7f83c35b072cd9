package io.adamerge.model;

import static io.adamerge.model.Reference.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tower against PyTorch's outputs and gradients ({@code vit_io.safetensors}), from both weight layouts. */
class ClipVisionParityTest {
    private static final double FORWARD_RTOL = 1e-4;
    private static final double GRAD_RTOL = 1e-3;

    /** HF name of each reference gradient → its name in open_clip layout and the rows of that tensor it covers. */
    private static final Map<String, OpenClipSlice> OPEN_CLIP_GRADS = Map.of(
            ClipKeys.PATCH_EMBEDDING, new OpenClipSlice(OpenClipLayout.CONV1, 0, 64),
            ClipKeys.layer(0, ClipKeys.FC1_WEIGHT), new OpenClipSlice(OpenClipLayout.block(0, OpenClipLayout.C_FC_WEIGHT), 0, 128),
            ClipKeys.layer(1, ClipKeys.Q_WEIGHT), new OpenClipSlice(OpenClipLayout.block(1, OpenClipLayout.IN_PROJ_WEIGHT), 0, 64),
            ClipKeys.POST_LN_WEIGHT, new OpenClipSlice(OpenClipLayout.LN_POST_WEIGHT, 0, 64));

    private record OpenClipSlice(String name, long fromRow, long toRow) {
    }

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = TorchRuntime.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static Path weights(String layout) {
        return layout.equals("hf") ? Reference.HF : Reference.OPEN_CLIP;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "openclip"})
    void forwardMatchesPyTorch(String layout) {
        try (NDManager m = manager.newSubManager()) {
            ClipVisionModel.Loaded loaded = ClipVisionModel.load(weights(layout), Reference.CONFIG, m);
            assertThat(loaded.model().layout()).isEqualTo(layout.equals("hf") ? WeightLayout.HUGGING_FACE : WeightLayout.OPEN_CLIP);
            NDArray pixels = m.create(Reference.read(Reference.IO, "pixel_values"), new Shape(Reference.shape(Reference.IO, "pixel_values")));
            VisionOutput out = loaded.model().forward(loaded.weights(), pixels);
            assertThat(out.pooled().getShape()).isEqualTo(new Shape(4, 64));
            assertThat(out.imageEmbeds().getShape()).isEqualTo(new Shape(4, 32));
            assertClose("pooled", out.pooled().toFloatArray(), Reference.read(Reference.IO, "pooled"), FORWARD_RTOL);
            assertClose("image_embeds", out.imageEmbeds().toFloatArray(), Reference.read(Reference.IO, "image_embeds"), FORWARD_RTOL);

            ClassificationHead head = new ClassificationHead(
                    m.create(Reference.read(Reference.IO, "head"), new Shape(10, 32)), null, true);
            NDArray logits = head.logits(out.imageEmbeds());
            assertClose("logits", logits.toFloatArray(), Reference.read(Reference.IO, "logits"), FORWARD_RTOL);
            assertClose("entropy_mean", Entropy.mean(logits).toFloatArray(), Reference.read(Reference.IO, "entropy_mean"), FORWARD_RTOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "openclip"})
    void entropyGradientsMatchPyTorch(String layout) {
        try (NDManager m = manager.newSubManager()) {
            ClipVisionModel.Loaded loaded = ClipVisionModel.load(weights(layout), Reference.CONFIG, m);
            loaded.weights().values().forEach(w -> w.setRequiresGradient(true));
            NDArray pixels = m.create(Reference.read(Reference.IO, "pixel_values"), new Shape(4, 3, 32, 32));
            ClassificationHead head = new ClassificationHead(m.create(Reference.read(Reference.IO, "head"), new Shape(10, 32)), null, true);
            try (GradientCollector collector = TorchRuntime.engine().newGradientCollector();
                 NDManager step = m.newSubManager()) {
                NDArray input = pixels.duplicate();
                input.attach(step);
                NDArray loss = Entropy.mean(head.logits(loaded.model().forward(loaded.weights(), input).embeddings()));
                collector.backward(loss);
            }
            List<String> refs = List.of(ClipKeys.PATCH_EMBEDDING, ClipKeys.layer(0, ClipKeys.FC1_WEIGHT),
                    ClipKeys.layer(1, ClipKeys.Q_WEIGHT), ClipKeys.POST_LN_WEIGHT);
            for (String name : refs) {
                float[] expected = Reference.read(Reference.IO, "grad/" + name);
                NDArray grad;
                if (layout.equals("hf")) {
                    grad = loaded.weights().get(name).getGradient();
                } else {
                    OpenClipSlice s = OPEN_CLIP_GRADS.get(name);
                    grad = loaded.weights().get(s.name()).getGradient().get(s.fromRow() + ":" + s.toRow());
                }
                assertClose("grad of " + name, grad.toFloatArray(), expected, GRAD_RTOL);
            }
        }
    }
}
