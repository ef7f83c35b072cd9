package io.adamerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightLayout;
import io.adamerge.train.PixelNormalization;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The evaluator, batch by batch, against one forward pass over the whole set by hand. */
class EvaluatorTest {
    @Test
    void batchedEvaluationEqualsOnePassByHand() {
        VitConfig config = new VitConfig(8, 4, 1, 16, 1, 2, 32, 0, 1e-5, HiddenAct.GELU);
        ImageSpec spec = new ImageSpec(1, 8, 8);
        Random rng = new Random(5);
        float[] px = new float[10 * 64];
        for (int i = 0; i < px.length; i++) {
            px[i] = rng.nextFloat();
        }
        int[] labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
        ImageDataset data = new ImageDataset("random", spec, px, labels, List.of("a", "b", "c"));
        PixelNormalization norm = new PixelNormalization(0.5, 0.25);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = VitInit.random(config, m, 1);
            ClipVisionModel model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);
            ClassificationHead head = new ClassificationHead(m.randomNormal(new Shape(3, 16)).mul(5), m.randomNormal(new Shape(3)), true);
            TaskMetrics batched = new Evaluator(model, norm, 3).evaluate("random", w, head, data, 8, m);

            float[] x = new float[8 * 64];
            for (int i = 0; i < x.length; i++) {
                x[i] = (px[i] - 0.5f) / 0.25f;
            }
            float[] logits = head.logits(model.forward(w, m.create(x, new Shape(8, 1, 8, 8))).embeddings()).toFloatArray();
            LogitMetrics byHand = new LogitMetrics();
            byHand.add(logits, 3, java.util.Arrays.copyOf(labels, 8));
            TaskMetrics expected = byHand.result("random");
            assertThat(batched.images()).isEqualTo(8);
            assertThat(batched.accuracy()).isEqualTo(expected.accuracy());
            assertThat(batched.meanEntropy()).isCloseTo(expected.meanEntropy(), within(1e-5));
            assertThat(batched.meanCrossEntropy()).isCloseTo(expected.meanCrossEntropy(), within(1e-5));

            float[] emb = new Evaluator(model, norm, 4).embeddings(w, data, 0, m);
            assertThat(emb).hasSize(10 * 16);
        }
    }
}
