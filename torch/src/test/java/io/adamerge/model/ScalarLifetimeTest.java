package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DJL's PyTorch engine makes {@code x.mul(2f)}-style scalars as tensors over Java direct buffers and closes them right
 * after the op; autograd keeps the tensor for backward but not the buffer, which the garbage collector may then free
 * and reuse. The tower and heads must keep such constants alive until backward: here the freed memory is collected
 * and overwritten with NaN between the forward and the backward pass, and the gradients must not change.
 */
class ScalarLifetimeTest {
    private static final VitConfig TINY = new VitConfig(8, 4, 1, 16, 2, 2, 32, 0, 1e-5, HiddenAct.QUICK_GELU);

    @ParameterizedTest
    @EnumSource(HiddenAct.class)
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward(HiddenAct act) throws InterruptedException {
        VitConfig config = new VitConfig(8, 4, 1, 16, 2, 2, 32, 0, 1e-5, act);
        float[] clean = gradients(config, false);
        float[] collected = gradients(config, true);
        for (float g : collected) {
            assertThat(g).isFinite();
        }
        assertThat(collected).containsExactly(clean);
    }

    private static float[] gradients(VitConfig config, boolean collectBetween) throws InterruptedException {
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = VitInit.random(config, m, 9);
            Gradients.require(w.values());
            ClassificationHead head = new ClassificationHead(m.randomNormal(new Shape(3, 16)), null, true);
            NDArray pixels = m.randomUniform(0, 1, new Shape(4, 1, 8, 8));
            try (NDManager batch = m.newSubManager(); GradientCollector c = TorchRuntime.engine().newGradientCollector()) {
                NDArray x = pixels.duplicate();
                x.attach(batch);
                NDArray loss = Entropy.mean(head.logits(new ClipVisionTower(config).forward(w, x).embeddings()));
                if (collectBetween) {
                    overwriteFreedMemory();
                }
                c.backward(loss);
            }
            List<Float> all = new ArrayList<>();
            for (NDArray p : w.values()) {
                for (float v : p.getGradient().toFloatArray()) {
                    all.add(v);
                }
            }
            float[] out = new float[all.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = all.get(i);
            }
            return out;
        }
    }

    /** Lets the collector free unreachable direct buffers, then allocates many small ones full of NaN. */
    private static void overwriteFreedMemory() throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, Float.NaN);
                keep.add(b);
            }
        }
        assertThat(keep).isNotEmpty();
    }
}
