package io.adamerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.model.VitConfig;
import io.adamerge.model.bert.BertConfig;
import java.util.Arrays;

/**
 * The floating-point operations of one AdaMerging step's matrix products (2 per multiply-add), counted from the
 * model's shapes: what any implementation of the step must compute, whatever its engine. Element-wise work (layer
 * norms, softmax, activations, the optimiser) is left out, so {@code total() / rate} is a lower bound on a step's time
 * at a given GEMM rate.
 *
 * @param forward  the forward pass of every task's batch through the merged model (encoder, projection, head)
 * @param backward its backward pass: each product's input and weight gradients, one forward product each, except the
 *                 input gradient of a product that reads the data (pixels need none)
 * @param merge    the differentiable merge, forward ({@code [1, T] × [T, n]} per tensor) and the coefficients'
 *                 gradients (as much again)
 */
record StepFlops(double forward, double backward, double merge) {
    double total() {
        return forward + backward + merge;
    }

    /**
     * A CLIP ViT: the patch embedding (a convolution with stride = kernel, i.e. one product per patch), per layer the
     * q, k, v and output projections, the attention scores and context, fc1 and fc2, then the pooled token's
     * projection and a linear head of {@code classes}.
     */
    static StepFlops vit(VitConfig c, long examples, int classes, long mergedParameters, int tasks) {
        long grid = c.imageSize() / c.patchSize();
        long patches = grid * grid;
        double patchEmbedding = 2.0 * patches * c.numChannels() * c.patchSize() * c.patchSize() * c.hiddenSize();
        double perExample = patchEmbedding + c.numLayers() * layer(patches + 1, c.hiddenSize(), c.intermediateSize())
                + 2.0 * c.hiddenSize() * c.projectionDim() + 2.0 * c.projectionDim() * classes;
        double forward = examples * perExample;
        return new StepFlops(forward, 2 * forward - examples * patchEmbedding, merge(mergedParameters, tasks));
    }

    /**
     * A BERT sentence encoder on texts of {@code tokens} tokens (padded): the layers' products and a linear head;
     * the embeddings are lookups and the pooling a mean, no products.
     */
    static StepFlops bert(BertConfig c, long tokens, long examples, int classes, long mergedParameters, int tasks) {
        double perExample = c.numLayers() * layer(tokens, c.hiddenSize(), c.intermediateSize()) + 2.0 * c.hiddenSize() * classes;
        double forward = examples * perExample;
        return new StepFlops(forward, 2 * forward, merge(mergedParameters, tasks));
    }

    /** One transformer layer on {@code tokens} tokens: q, k, v, output (4 × width²), fc1 and fc2, scores and context. */
    static double layer(long tokens, long width, long ffn) {
        return 2.0 * tokens * width * (4 * width + 2 * ffn) + 2.0 * 2 * tokens * tokens * width;
    }

    private static double merge(long parameters, int tasks) {
        return 2 * 2.0 * tasks * parameters;
    }

    /**
     * The GEMM rate of this engine, on its current threads, for a linear layer's three products at {@code [m, k] ×
     * [k, n]}: the forward {@code x·w}, the input gradient {@code g·wᵀ} and the weight gradient {@code xᵀ·g} (the
     * transposes are views, as autograd's are). The median over {@code reps} timed rounds after two untimed ones.
     *
     * @return GFLOP/s
     */
    static double linearLayerRate(NDManager parent, long m, long k, long n, int reps) {
        try (NDManager mm = parent.newSubManager()) {
            NDArray x = mm.randomNormal(new Shape(m, k));
            NDArray w = mm.randomNormal(new Shape(k, n));
            NDArray g = mm.randomNormal(new Shape(m, n));
            NDArray wt = w.transpose();
            NDArray xt = x.transpose();
            double[] seconds = new double[reps];
            for (int r = -2; r < reps; r++) {
                long t0 = System.nanoTime();
                try (NDArray y = x.matMul(w); NDArray dx = g.matMul(wt); NDArray dw = xt.matMul(g)) {
                    // eager on the CPU: each product is done when matMul returns
                }
                if (r >= 0) {
                    seconds[r] = (System.nanoTime() - t0) / 1e9;
                }
            }
            Arrays.sort(seconds);
            return 3 * 2.0 * m * k * n / seconds[reps / 2] / 1e9;
        }
    }
}
