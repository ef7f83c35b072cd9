package io.adamerge.model.bert;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.onnx.SentencePooling;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sentence embedding's gradients (mean pooling, L2 normalisation) do not depend on what the garbage collector does
 * between forward and backward. DJL makes the clamp of {@code norm.maximum(1e-12f)} over a Java direct buffer and
 * closes it at once; backward reads it (the gradient passes where norm ≥ clamp). Here that memory is collected and
 * overwritten before backward with NaN, 1e30 and −1e30 in turn; the gradients must not change (before the clamp was
 * kept on the outputs' manager, the ±1e30 runs changed them).
 */
class BertScalarLifetimeTest {
    @Test
    void gradientsSurviveAGarbageCollection() throws InterruptedException {
        float[] clean = gradients(Float.NaN, false);
        double norm = 0;
        for (float g : clean) {
            norm += Math.abs(g);
        }
        assertThat(norm).isGreaterThan(0);
        for (float fill : new float[] {Float.NaN, 1e30f, -1e30f}) {
            assertThat(gradients(fill, true)).as("freed memory overwritten with %s", fill).containsExactly(clean);
        }
    }

    private static float[] gradients(float fill, boolean collectBetween) throws InterruptedException {
        BertConfig c = new BertConfig(30, 8, 2, 2, 16, 12, 2, 1e-12, HiddenAct.GELU);
        BertEncoder encoder = new BertEncoder(c);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>();
            BertGradientTest.randomWeights(c, m, new Random(3)).forEach((name, a) -> {
                NDArray f = a.toType(DataType.FLOAT32, false);
                f.setRequiresGradient(true);
                w.put(name, f);
            });
            TokenBatch tokens = BertGradientTest.tokens(m, new long[][] {{2, 7, 9, 3}, {2, 11, 12, 13, 14, 3}}, null);
            float[] proj = new float[2 * 8];
            Random r = new Random(9);
            for (int i = 0; i < proj.length; i++) {
                proj[i] = (float) r.nextGaussian();
            }
            NDArray projection = m.create(proj, new Shape(2, 8));
            try (GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
                NDArray loss = encoder.sentenceEmbedding(w, tokens, SentencePooling.MEAN, true).mul(projection).sum();
                if (collectBetween) {
                    overwriteFreedMemory(fill);
                }
                collector.backward(loss);
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

    /** Lets the collector free unreachable direct buffers, then allocates many small ones holding {@code fill}. */
    private static void overwriteFreedMemory(float fill) throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, fill);
                keep.add(b);
            }
        }
        assertThat(keep).isNotEmpty();
    }
}
