package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.Size;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadAndEntropyTest {

    @Test
    void referenceHeadFileIsANormalisingHead() {
        try (NDManager m = TorchRuntime.newManager()) {
            ClassificationHead head = ClassificationHead.load(Reference.DIR.resolve("ada_head_0.safetensors"), m);
            assertThat(head.normalize()).isTrue();
            assertThat(head.bias()).isNull();
            assertThat(head.numClasses()).isEqualTo(10);
            assertThat(head.inputDim()).isEqualTo(32);
            // normalising makes the logits independent of the embedding's scale
            NDArray e = m.randomNormal(new Shape(3, 32));
            Reference.assertClose("scale invariance", head.logits(e.mul(7f)).toFloatArray(), head.logits(e).toFloatArray(), 1e-5);
        }
    }

    @Test
    void biasAndNoNormalisationRoundTrip(@TempDir Path dir) {
        Path file = dir.resolve("head.safetensors");
        ClassificationHead.save(file, FloatTensor.of(new float[] {1, 0, 0, 2, 1, 1}, 3, 2), FloatTensor.of(new float[] {0.5f, 0, -1}, 3), false);
        try (NDManager m = TorchRuntime.newManager()) {
            ClassificationHead head = ClassificationHead.load(file, m);
            assertThat(head.normalize()).isFalse();
            float[] logits = head.logits(m.create(new float[] {3, 4}, new Shape(1, 2))).toFloatArray();
            assertThat(logits).containsExactly(3.5f, 8f, 6f);
            assertThatThrownBy(() -> head.logits(m.zeros(new Shape(1, 5)))).hasMessageContaining("width 2, got 5");
        }
    }

    @Test
    void malformedHeadsAreRejected(@TempDir Path dir) {
        Path noWeight = dir.resolve("h.safetensors");
        io.adamerge.checkpoint.SafetensorsWriter.write(noWeight, Map.of("w", FloatTensor.of(new float[] {1, 2}, 1, 2)), Map.of());
        Path badBias = dir.resolve("b.safetensors");
        ClassificationHead.save(badBias, FloatTensor.of(new float[] {1, 2}, 1, 2), null, true);
        io.adamerge.checkpoint.SafetensorsWriter.write(badBias, new java.util.LinkedHashMap<>(Map.of(
                "weight", FloatTensor.of(new float[] {1, 2}, 1, 2), "bias", FloatTensor.of(new float[] {1, 2}, 2))), Map.of());
        try (NDManager m = TorchRuntime.newManager()) {
            assertThatThrownBy(() -> ClassificationHead.load(noWeight, m)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("h.safetensors").hasMessageContaining("needs a tensor 'weight'");
            assertThatThrownBy(() -> ClassificationHead.load(badBias, m)).hasMessageContaining("'bias' must be [1]");
        }
    }

    @Test
    void entropyOfUniformAndCertainPredictions() {
        try (NDManager m = TorchRuntime.newManager()) {
            NDArray uniform = m.zeros(new Shape(2, 10));
            assertThat(Entropy.mean(uniform).getFloat()).isCloseTo((float) Math.log(10), Offset.offset(1e-6f));
            NDArray certain = m.create(new float[] {100, 0, 0, 0, 100, 0}, new Shape(2, 3));
            assertThat(Entropy.mean(certain).getFloat()).isCloseTo(0f, Offset.offset(1e-6f));
        }
    }

    @Property(tries = 50)
    void entropyIsBetweenZeroAndLogClasses(@ForAll @Size(min = 2, max = 12) List<@FloatRange(min = -30, max = 30) Float> logits) {
        float[] row = new float[logits.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < row.length; i++) {
            row[i] = logits.get(i);
            max = Math.max(max, row[i]);
        }
        double z = 0;
        for (float v : row) {
            z += Math.exp(v - max);
        }
        double expected = 0;
        for (float v : row) {
            double p = Math.exp(v - max) / z;
            expected -= p > 0 ? p * Math.log(p) : 0;
        }
        try (NDManager m = TorchRuntime.newManager()) {
            float h = Entropy.mean(m.create(row, new Shape(1, row.length))).getFloat();
            assertThat((double) h).isCloseTo(expected, Offset.offset(1e-5)).isBetween(-1e-6, Math.log(row.length) + 1e-6);
        }
    }

    @Test
    void gradientsAreZeroedNotAccumulated() {
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded loaded = ClipVisionModel.load(Reference.HF, Reference.CONFIG, m);
            Gradients.require(loaded.weights().values());
            ClassificationHead head = ClassificationHead.load(Reference.DIR.resolve("ada_head_0.safetensors"), m);
            NDArray pixels = m.create(Reference.read(Reference.IO, "pixel_values"), new Shape(4, 3, 32, 32));
            float[][] grads = new float[3][];
            for (int step = 0; step < 3; step++) {
                if (step != 1) {
                    Gradients.zero(loaded.weights().values()); // step 1 deliberately accumulates onto step 0
                }
                try (NDManager scope = m.newSubManager(); GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
                    NDArray x = pixels.duplicate();
                    x.attach(scope);
                    c.backward(Entropy.mean(head.logits(loaded.model().forward(loaded.weights(), x).embeddings())));
                    grads[step] = Gradients.of(loaded.weights(), scope).get(ClipKeys.layer(0, ClipKeys.FC1_WEIGHT)).toFloatArray();
                }
            }
            // fresh leaves per step: the same gradient, nothing accumulated on the weights themselves
            for (int step = 0; step < 2; step++) {
                try (NDManager scope = m.newSubManager(); GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
                    Map<String, NDArray> leaves = Gradients.leaves(loaded.weights(), scope);
                    NDArray x = pixels.duplicate();
                    x.attach(scope);
                    c.backward(Entropy.mean(head.logits(loaded.model().forward(leaves, x).embeddings())));
                    float[] g = leaves.get(ClipKeys.layer(0, ClipKeys.FC1_WEIGHT)).getGradient().toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        assertThat(g[i]).isCloseTo(grads[0][i], Offset.offset(1e-6f));
                    }
                }
            }
            // the leaves alias the weights: an update through a leaf shows in the weight
            try (NDManager scope = m.newSubManager()) {
                Gradients.leaves(loaded.weights(), scope).get(ClipKeys.POST_LN_BIAS).addi(1f);
            }
            assertThat(loaded.weights().get(ClipKeys.POST_LN_BIAS).toFloatArray()[0]).isCloseTo(
                    Reference.read(Reference.HF, ClipKeys.POST_LN_BIAS)[0] + 1f, Offset.offset(1e-6f));
            for (int i = 0; i < grads[0].length; i++) {
                assertThat(grads[1][i]).isCloseTo(2 * grads[0][i], Offset.offset(1e-6f));
            }
            assertThat(grads[2]).containsExactly(grads[0]);
        }
    }
}
