package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 100 AdaMerging-style steps (merge weights from coefficients, forward, entropy, backward, read and zero the
 * coefficient gradients) must leave resident memory and the long-lived managers where they were. One step
 * allocates about 4 MB of merged weights alone (0.9 M parameters), so a native leak of them would add about
 * 400 MB; the bound is 48 MB. Arrays left in the long-lived manager are counted exactly.
 */
class NoLeakTest {
    private static final int WARM_UP = 15;
    private static final int STEPS = 100;
    private static final long MAX_GROWTH_BYTES = 48L << 20;

    @Test
    void forwardBackwardStepsKeepMemoryFlat() {
        VitConfig config = new VitConfig(32, 8, 3, 192, 2, 3, 768, 64, 1e-5, HiddenAct.QUICK_GELU);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = VitInit.random(config, m, 1);
            Map<String, NDArray> ft0 = VitInit.random(config, m, 2);
            Map<String, NDArray> ft1 = VitInit.random(config, m, 3);
            Map<String, NDArray[]> taskVectors = new LinkedHashMap<>();
            pre.forEach((k, v) -> taskVectors.put(k, new NDArray[] {ft0.get(k).sub(v), ft1.get(k).sub(v)}));
            NDArray lambda = m.full(new Shape(pre.size(), 2), 0.3f);
            lambda.setRequiresGradient(true);
            ClassificationHead head = new ClassificationHead(m.randomNormal(new Shape(10, 64)), null, true);
            NDArray pixels = m.randomNormal(new Shape(4, 3, 32, 32));
            ClipVisionModel model = new ClipVisionModel(config, WeightLayout.HUGGING_FACE);

            for (int i = 0; i < WARM_UP; i++) {
                step(m, model, pre, taskVectors, lambda, head, pixels);
            }
            int arrays = m.getManagedArrays().size();
            long before = residentBytes();
            float lastLoss = 0;
            for (int i = 0; i < STEPS; i++) {
                lastLoss = step(m, model, pre, taskVectors, lambda, head, pixels);
            }
            long after = residentBytes();
            System.out.printf("RSS before %d MB, after %d steps %d MB (growth %+.1f MB)%n", before >> 20, STEPS, after >> 20,
                    (after - before) / 1048576.0);
            assertThat(lastLoss).isFinite().isGreaterThan(0f);
            assertThat(m.getManagedArrays().size()).as("arrays held by the long-lived manager").isEqualTo(arrays);
            assertThat(after - before).as("RSS growth over %d steps (from %d MB)", STEPS, before >> 20)
                    .isLessThan(MAX_GROWTH_BYTES);
        }
    }

    private static float step(NDManager m, ClipVisionModel model, Map<String, NDArray> pre, Map<String, NDArray[]> taskVectors,
                              NDArray lambda, ClassificationHead head, NDArray pixels) {
        Gradients.zero(java.util.List.of(lambda));
        try (NDManager step = m.newSubManager(); GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
            NDArray coefficients = Scopes.view(lambda, step).clip(0, 1);
            Map<String, NDArray> merged = new LinkedHashMap<>();
            int row = 0;
            for (Map.Entry<String, NDArray> e : pre.entrySet()) {
                NDArray[] tv = taskVectors.get(e.getKey());
                // the step-scoped coefficient is the receiver, so every result lands in `step`
                NDArray theta = coefficients.get(row + ",0").mul(tv[0]).add(coefficients.get(row + ",1").mul(tv[1])).add(e.getValue());
                merged.put(e.getKey(), theta);
                row++;
            }
            NDArray x = pixels.duplicate();
            x.attach(step);
            NDArray loss = Entropy.mean(head.logits(model.forward(merged, x).embeddings()));
            collector.backward(loss);
            NDArray grad = Gradients.of(Map.of("lambda", lambda), step).get("lambda");
            assertThat(grad.isNaN().any().getBoolean()).isFalse();
            assertThat(grad.abs().sum().getFloat()).isGreaterThan(0f);
            return loss.getFloat();
        }
    }

    private static long residentBytes() {
        System.gc();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
