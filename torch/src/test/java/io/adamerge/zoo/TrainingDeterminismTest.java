package io.adamerge.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.data.ImageDataset;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitInit;
import io.adamerge.model.WeightLayout;
import io.adamerge.train.PixelNormalization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fine-tuning a tiny tower: the same seed gives bit-identical weights, another seed other weights, and the loss falls. */
class TrainingDeterminismTest {
    private static final ZooRecipe.Training RECIPE = new ZooRecipe.Training(30, 16,
            new ZooRecipe.Optimizer(3e-3, 0.1, "constant", 0.1, 0.9), 0);

    @Test
    void sameSeedSameWeights() {
        ImageDataset data = TinyModels.quadrants(128, 7);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> init = VitInit.random(TinyModels.CONFIG, m, 3);
            ClassificationHead head = new ClassificationHead(m.randomNormal(new Shape(4, 16)), m.zeros(new Shape(4)), true);
            FineTuner tuner = new FineTuner(new ClipVisionModel(TinyModels.CONFIG, WeightLayout.HUGGING_FACE), new PixelNormalization(0.5, 0.5));
            FineTuner.Result a = tuner.individual(init, head, data, RECIPE, 11, m, null);
            FineTuner.Result b = tuner.individual(init, head, data, RECIPE, 11, m, null);
            FineTuner.Result c = tuner.individual(init, head, data, RECIPE, 12, m, null);
            boolean anyDifferent = false;
            for (String name : init.keySet()) {
                float[] wa = a.weights().get(name).toFloatArray();
                assertThat(wa).as(name).containsExactly(b.weights().get(name).toFloatArray());
                anyDifferent |= !java.util.Arrays.equals(wa, c.weights().get(name).toFloatArray());
            }
            assertThat(a.losses()).containsExactly(b.losses());
            assertThat(anyDifferent).as("another seed draws other batches").isTrue();
            // the starting weights are copied, not trained in place
            assertThat(init.get(io.adamerge.model.ClipKeys.PATCH_EMBEDDING).toFloatArray())
                    .isNotEqualTo(a.weights().get(io.adamerge.model.ClipKeys.PATCH_EMBEDDING).toFloatArray());
            assertThat(mean(a.losses(), 25, 30)).isLessThan(mean(a.losses(), 0, 5));
        }
    }

    private static double mean(float[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}
