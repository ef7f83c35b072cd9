package io.adamerge.adamerging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw AdaMerging coefficients λ (the merge uses clamp(λ, 0, 1)), [rows, tasks] row-major: one row per parameter
 * tensor in {@code layerKeys} order (layer-wise), or a single row for every tensor (task-wise).
 *
 * <p>File format (that of {@code ada_lambda_init.safetensors}): tensor {@code lambda} [rows, tasks] F32, metadata
 * {@code granularity} ({@code layer}/{@code task}) and {@code layer_keys} (JSON list naming the tensor of each row;
 * for task-wise files, the tensors the single row applies to, or empty). Files this class writes also carry the
 * optimiser state so a run resumes exactly where it stopped: tensors {@code adam_exp_avg} and
 * {@code adam_exp_avg_sq}, metadata {@code step} (updates done).
 *
 * @param adam the optimiser state after {@code step} updates, or null (a fresh Adam starts from these values)
 */
public record Coefficients(Granularity granularity, List<String> layerKeys, int tasks, float[] values, int step, AdamState adam) {
    public static final String LAMBDA = "lambda";
    public static final String EXP_AVG = "adam_exp_avg";
    public static final String EXP_AVG_SQ = "adam_exp_avg_sq";
    public static final String META_GRANULARITY = "granularity";
    public static final String META_LAYER_KEYS = "layer_keys";
    public static final String META_STEP = "step";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Adam's moments, [rows, tasks] like the coefficients. */
    public record AdamState(float[] expAvg, float[] expAvgSq) {
    }

    public Coefficients {
        layerKeys = List.copyOf(layerKeys);
        if (tasks <= 0) {
            throw new IllegalArgumentException("need at least one task");
        }
        if (values.length % tasks != 0) {
            throw new IllegalArgumentException(values.length + " coefficients are not a whole number of rows of " + tasks);
        }
        int rows = values.length / tasks;
        if (granularity == Granularity.TASK && rows != 1) {
            throw new IllegalArgumentException("task-wise coefficients have one row, got " + rows);
        }
        if (granularity == Granularity.LAYER && rows != layerKeys.size()) {
            throw new IllegalArgumentException("layer-wise coefficients have " + rows + " rows for " + layerKeys.size() + " layer keys");
        }
        if (adam != null && (adam.expAvg().length != values.length || adam.expAvgSq().length != values.length)) {
            throw new IllegalArgumentException("Adam state does not match the coefficients' shape");
        }
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0");
        }
    }

    /** Every coefficient set to {@code value}, no optimiser state. */
    public static Coefficients constant(Granularity granularity, List<String> layerKeys, int tasks, float value) {
        int rows = granularity == Granularity.TASK ? 1 : layerKeys.size();
        float[] v = new float[rows * tasks];
        Arrays.fill(v, value);
        return new Coefficients(granularity, layerKeys, tasks, v, 0, null);
    }

    public int rows() {
        return values.length / tasks;
    }

    /** Raw λ of {@code task} for parameter tensor number {@code layer} (in {@code layerKeys} order). */
    public float raw(int layer, int task) {
        return values[(granularity == Granularity.TASK ? 0 : layer) * tasks + task];
    }

    /** The coefficient the merge uses: clamp(λ, 0, 1). */
    public float clamped(int layer, int task) {
        return Math.min(1f, Math.max(0f, raw(layer, task)));
    }

    /** [rows][tasks] of clamp(λ, 0, 1). */
    public float[][] clampedMatrix() {
        float[][] out = new float[rows()][tasks];
        for (int r = 0; r < out.length; r++) {
            for (int k = 0; k < tasks; k++) {
                out[r][k] = Math.min(1f, Math.max(0f, values[r * tasks + k]));
            }
        }
        return out;
    }

    /**
     * These coefficients for a model whose parameter tensors are {@code keys} (in that order): layer-wise rows are
     * reordered by name. Fails naming the first key that is missing or extra, or a granularity or task count that
     * does not match.
     */
    public Coefficients alignedTo(List<String> keys, Granularity expected, int expectedTasks, String source) {
        if (granularity != expected) {
            throw new CheckpointException(source + ": coefficients are " + granularity.fileName() + "-wise, this run is "
                    + expected.fileName() + "-wise");
        }
        if (tasks != expectedTasks) {
            throw new CheckpointException(source + ": coefficients are for " + tasks + " tasks, this run has " + expectedTasks);
        }
        if (granularity == Granularity.TASK) {
            if (!layerKeys.isEmpty() && !new java.util.HashSet<>(layerKeys).equals(new java.util.HashSet<>(keys))) {
                throw new CheckpointException(source + ": layer_keys do not name this model's parameter tensors");
            }
            return new Coefficients(granularity, keys, tasks, values, step, adam);
        }
        Map<String, Integer> rowOf = new HashMap<>();
        for (int r = 0; r < layerKeys.size(); r++) {
            if (rowOf.put(layerKeys.get(r), r) != null) {
                throw new CheckpointException(source + ": layer key '" + layerKeys.get(r) + "' appears twice");
            }
        }
        for (String k : keys) {
            if (!rowOf.containsKey(k)) {
                throw new CheckpointException(source + ": no coefficients for parameter tensor '" + k + "'");
            }
        }
        if (keys.size() != layerKeys.size()) {
            List<String> extra = layerKeys.stream().filter(k -> !keys.contains(k)).toList();
            throw new CheckpointException(source + ": coefficients for tensors the model does not have: " + extra);
        }
        float[] v = new float[values.length];
        float[] m = adam == null ? null : new float[values.length];
        float[] s = adam == null ? null : new float[values.length];
        for (int r = 0; r < keys.size(); r++) {
            int from = rowOf.get(keys.get(r));
            System.arraycopy(values, from * tasks, v, r * tasks, tasks);
            if (adam != null) {
                System.arraycopy(adam.expAvg(), from * tasks, m, r * tasks, tasks);
                System.arraycopy(adam.expAvgSq(), from * tasks, s, r * tasks, tasks);
            }
        }
        return new Coefficients(granularity, keys, tasks, v, step, adam == null ? null : new AdamState(m, s));
    }

    /** Writes the coefficient file (temporary file + rename). */
    public void save(Path file) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        long[] shape = {rows(), tasks};
        tensors.put(LAMBDA, new FloatTensor(shape, values));
        if (adam != null) {
            tensors.put(EXP_AVG, new FloatTensor(shape.clone(), adam.expAvg()));
            tensors.put(EXP_AVG_SQ, new FloatTensor(shape.clone(), adam.expAvgSq()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_GRANULARITY, granularity.fileName());
        try {
            meta.put(META_LAYER_KEYS, JSON.writeValueAsString(layerKeys));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        meta.put(META_STEP, Integer.toString(step));
        SafetensorsWriter.write(file, tensors, meta);
    }

    /** Reads a coefficient file; a file without optimiser state (such as a hand-made initialisation) resumes at step 0. */
    public static Coefficients load(Path file) {
        try (Checkpoint c = Checkpoint.open(file)) {
            if (!c.has(LAMBDA)) {
                throw new CheckpointException(file + ": a coefficient file needs a tensor '" + LAMBDA + "' [layers, tasks]; found " + c.names());
            }
            TensorInfo info = c.info(LAMBDA);
            if (info.shape().length != 2 || !info.dtype().isFloating()) {
                throw new CheckpointException(file + ": '" + LAMBDA + "' must be a float [layers, tasks] tensor, got "
                        + info.dtype() + " " + info.shapeString());
            }
            Map<String, String> meta = c.metadata();
            String g = meta.get(META_GRANULARITY);
            if (g == null) {
                throw new CheckpointException(file + ": metadata has no '" + META_GRANULARITY + "' (layer or task)");
            }
            Granularity granularity;
            try {
                granularity = Granularity.parse(g);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            List<String> keys = List.of();
            String keysJson = meta.get(META_LAYER_KEYS);
            if (keysJson != null) {
                try {
                    keys = JSON.readValue(keysJson, new TypeReference<List<String>>() { });
                } catch (JsonProcessingException e) {
                    throw new CheckpointException(file + ": metadata '" + META_LAYER_KEYS + "' is not a JSON list of names", e);
                }
            } else if (granularity == Granularity.LAYER) {
                throw new CheckpointException(file + ": a layer-wise coefficient file needs metadata '" + META_LAYER_KEYS + "'");
            }
            int rows = (int) info.shape()[0];
            int tasks = (int) info.shape()[1];
            if (granularity == Granularity.LAYER && rows != keys.size()) {
                throw new CheckpointException(file + ": '" + LAMBDA + "' has " + rows + " rows but layer_keys names " + keys.size() + " tensors");
            }
            if (granularity == Granularity.TASK && rows != 1) {
                throw new CheckpointException(file + ": task-wise '" + LAMBDA + "' must have one row, got " + info.shapeString());
            }
            float[] values = c.readFloats(LAMBDA);
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new CheckpointException(file + ": '" + LAMBDA + "' holds a non-finite value at row " + i / tasks
                            + ", task " + i % tasks);
                }
            }
            AdamState adam = null;
            if (c.has(EXP_AVG) || c.has(EXP_AVG_SQ)) {
                if (!c.has(EXP_AVG) || !c.has(EXP_AVG_SQ)) {
                    throw new CheckpointException(file + ": has only one of '" + EXP_AVG + "' and '" + EXP_AVG_SQ + "'");
                }
                for (String name : List.of(EXP_AVG, EXP_AVG_SQ)) {
                    if (!Arrays.equals(c.info(name).shape(), info.shape())) {
                        throw new CheckpointException(file + ": '" + name + "' has shape " + c.info(name).shapeString()
                                + ", expected " + info.shapeString());
                    }
                }
                float[] expAvg = c.readFloats(EXP_AVG);
                float[] expAvgSq = c.readFloats(EXP_AVG_SQ);
                io.adamerge.io.Finite.require(expAvg, file + ": tensor '" + EXP_AVG + "'");
                io.adamerge.io.Finite.require(expAvgSq, file + ": tensor '" + EXP_AVG_SQ + "'");
                adam = new AdamState(expAvg, expAvgSq);
            }
            int step = 0;
            if (meta.containsKey(META_STEP)) {
                try {
                    step = Integer.parseInt(meta.get(META_STEP).trim());
                } catch (NumberFormatException e) {
                    throw new CheckpointException(file + ": metadata '" + META_STEP + "' is not an integer: " + meta.get(META_STEP), e);
                }
            }
            if (step > 0 && adam == null) {
                throw new CheckpointException(file + ": says " + step + " steps were done but holds no Adam state");
            }
            try {
                return new Coefficients(granularity, keys, tasks, values, step, adam);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
        }
    }
}
