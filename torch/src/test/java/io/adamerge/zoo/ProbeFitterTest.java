package io.adamerge.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.TorchRuntime;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbeFitterTest {
    private static final int N = 300;
    private static final int DIM = 6;
    private static final int CLASSES = 3;

    /** Three classes whose embeddings point in different directions (at varied lengths), with noise. */
    private static float[] embeddings(int[] labels, long seed) {
        Random rng = new Random(seed);
        float[] f = new float[N * DIM];
        for (int i = 0; i < N; i++) {
            labels[i] = i % CLASSES;
            double length = 0.5 + 5 * rng.nextDouble();
            for (int d = 0; d < DIM; d++) {
                double mean = d == labels[i] ? 1 : 0.2;
                f[i * DIM + d] = (float) (length * (mean + 0.3 * rng.nextGaussian()));
            }
        }
        return f;
    }

    @Test
    void headComputesTheProbeLogitsAndSeparatesTheClasses() {
        int[] labels = new int[N];
        float[] f = embeddings(labels, 1);
        ZooRecipe.Probe recipe = new ZooRecipe.Probe(10, 300, 0.05, 1e-4, 0);
        try (NDManager m = TorchRuntime.newManager()) {
            ProbeFitter.Probe probe = ProbeFitter.fit(f, DIM, labels, CLASSES, recipe, m);
            ClassificationHead head = probe.toHead(m);
            assertThat(head.normalize()).isTrue();
            float[] logits = head.logits(m.create(f, new Shape(N, DIM))).toFloatArray();
            int correct = 0;
            for (int i = 0; i < N; i++) {
                double norm = 0;
                for (int d = 0; d < DIM; d++) {
                    norm += f[i * DIM + d] * f[i * DIM + d];
                }
                norm = Math.sqrt(norm);
                int best = 0;
                double bestLogit = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < CLASSES; c++) {
                    // logits = normalize(f) · weightᵀ + bias, the scale being folded into weight
                    double z = probe.bias()[c];
                    for (int d = 0; d < DIM; d++) {
                        z += f[i * DIM + d] / norm * probe.weight()[c * DIM + d];
                    }
                    assertThat((double) logits[i * CLASSES + c]).isCloseTo(z, within(1e-4));
                    if (z > bestLogit) {
                        bestLogit = z;
                        best = c;
                    }
                }
                correct += best == labels[i] ? 1 : 0;
            }
            assertThat(correct).isGreaterThan(N * 95 / 100);
        }
    }

    @Test
    void theDefaultIterationsReachTheOptimumOfTheConvexProblem() {
        int[] labels = new int[N];
        float[] f = embeddings(labels, 2);
        ZooRecipe.Probe d = ZooRecipe.defaults().probe();
        try (NDManager m = TorchRuntime.newManager()) {
            float atDefault = ProbeFitter.fit(f, DIM, labels, CLASSES, d, m).finalLoss();
            float longer = ProbeFitter.fit(f, DIM, labels, CLASSES,
                    new ZooRecipe.Probe(d.scale(), 5 * d.iterations(), d.lr(), d.l2(), 0), m).finalLoss();
            assertThat((double) atDefault).isCloseTo(longer, within(0.005 * longer + 1e-4));
        }
    }
}
