package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A linear classification head from a safetensors file: {@code weight} [classes, dim], optional {@code bias}
 * [classes]. Metadata {@code normalize: "true"} applies it to L2-normalised embeddings, as CLIP zero-shot
 * heads (text embeddings of class prompts) are.
 */
public record ClassificationHead(NDArray weight, NDArray bias, boolean normalize) {
    public static final String WEIGHT = "weight";
    public static final String BIAS = "bias";
    public static final String NORMALIZE = "normalize";

    public ClassificationHead {
        long[] w = weight.getShape().getShape();
        if (w.length != 2) {
            throw new IllegalArgumentException("head weight must be [classes, dim], got " + Arrays.toString(w));
        }
        if (bias != null && !Arrays.equals(bias.getShape().getShape(), new long[] {w[0]})) {
            throw new IllegalArgumentException("head bias must be [" + w[0] + "], got " + Arrays.toString(bias.getShape().getShape()));
        }
    }

    public int numClasses() {
        return (int) weight.getShape().get(0);
    }

    public int inputDim() {
        return (int) weight.getShape().get(1);
    }

    /** [batch, classes] logits for [batch, dim] embeddings, attached to the embeddings' manager. */
    public NDArray logits(NDArray embeddings) {
        long dim = embeddings.getShape().get(embeddings.getShape().dimension() - 1);
        if (dim != inputDim()) {
            throw new IllegalArgumentException("head expects embeddings of width " + inputDim() + ", got " + dim);
        }
        NDArray x = embeddings;
        if (normalize) {
            // F.normalize: divide by the L2 norm, clamped away from zero. The clamp is a tensor on the embeddings'
            // manager: backward reads it, and a maximum(1e-12f) constant's memory may be freed before then.
            x = x.div(x.norm(new int[] {-1}, true).maximum(embeddings.getManager().create(1e-12f)));
        }
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** Reads a head file onto {@code manager}. */
    public static ClassificationHead load(Path file, NDManager manager) {
        try (Checkpoint c = Checkpoint.open(file)) {
            if (!c.has(WEIGHT)) {
                throw new CheckpointException(file + ": a head file needs a tensor 'weight' [classes, dim]; found " + c.names());
            }
            long[] shape = c.info(WEIGHT).shape();
            if (shape.length != 2) {
                throw new CheckpointException(file + ": head 'weight' must be [classes, dim], got " + Arrays.toString(shape));
            }
            if (shape[0] < 1 || shape[1] < 1) {
                throw new CheckpointException(file + ": head 'weight' is " + Arrays.toString(shape)
                        + ": a head needs at least one class and one input dimension");
            }
            float[] weightValues = c.readFloats(WEIGHT);
            io.adamerge.io.Finite.require(weightValues, file + ": head tensor '" + WEIGHT + "'");
            float[] biasValues = c.has(BIAS) ? c.readFloats(BIAS) : null;
            if (biasValues != null) {
                io.adamerge.io.Finite.require(biasValues, file + ": head tensor '" + BIAS + "'");
            }
            NDArray w = manager.create(weightValues, new ai.djl.ndarray.types.Shape(shape));
            NDArray b = null;
            if (c.has(BIAS)) {
                long[] bs = c.info(BIAS).shape();
                if (!Arrays.equals(bs, new long[] {shape[0]})) {
                    w.close();
                    throw new CheckpointException(file + ": head 'bias' must be [" + shape[0] + "], got " + Arrays.toString(bs));
                }
                b = manager.create(biasValues, new ai.djl.ndarray.types.Shape(bs));
            }
            String norm = c.metadata().getOrDefault(NORMALIZE, "false").toLowerCase(Locale.ROOT);
            if (!norm.equals("true") && !norm.equals("false")) {
                throw new CheckpointException(file + ": metadata normalize must be \"true\" or \"false\", got \"" + norm + "\"");
            }
            return new ClassificationHead(w, b, norm.equals("true"));
        }
    }

    /** Writes a head file ({@code bias} may be null). */
    public static void save(Path file, FloatTensor weight, FloatTensor bias, boolean normalize) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put(WEIGHT, weight);
        if (bias != null) {
            tensors.put(BIAS, bias);
        }
        SafetensorsWriter.write(file, tensors, Map.of(NORMALIZE, Boolean.toString(normalize)));
    }
}
