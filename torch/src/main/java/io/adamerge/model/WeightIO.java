package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Moves weights between safetensors checkpoints and {@code Map<String, NDArray>}. */
public final class WeightIO {
    /** The weights file of a Hugging Face model directory written by {@link #save}. */
    public static final String HF_WEIGHTS = "model.safetensors";
    public static final String HF_CONFIG = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private WeightIO() {
    }

    /**
     * Reads the floating tensors whose names pass {@code include} as float32 NDArrays on {@code manager},
     * in checkpoint order. Integer buffers (such as {@code position_ids}) are skipped: they are not parameters.
     * F16 and BF16 tensors are widened to F32.
     */
    public static Map<String, NDArray> loadFloatTensors(Checkpoint checkpoint, NDManager manager, Predicate<String> include) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (TensorInfo t : checkpoint.tensors()) {
                if (!t.dtype().isFloating() || !include.test(t.name())) {
                    continue;
                }
                out.put(t.name(), toNDArray(checkpoint, t, manager));
            }
        } catch (RuntimeException e) {
            out.values().forEach(NDArray::close);
            throw e;
        }
        return out;
    }

    private static NDArray toNDArray(Checkpoint checkpoint, TensorInfo t, NDManager manager) {
        Shape shape = new Shape(t.shape());
        if (t.dtype() == DType.F32) {
            // copy out of the read-only mapping: the tensor must own writable memory (in-place updates)
            ByteBuffer mapped = checkpoint.bytes(t.name());
            ByteBuffer direct = manager.allocateDirect(mapped.remaining());
            direct.put(mapped.duplicate());
            direct.rewind();
            requireFinite(checkpoint, t, direct.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            return manager.create(direct, shape, DataType.FLOAT32);
        }
        if (t.dtype() == DType.F64 && t.numel() * 8 > Integer.MAX_VALUE) {
            throw new CheckpointException(checkpoint + ": tensor '" + t.name() + "' is too large to load as F64");
        }
        float[] values = checkpoint.readFloats(t.name());
        requireFinite(checkpoint, t, java.nio.FloatBuffer.wrap(values));
        return manager.create(values, shape);
    }

    /** The input policy: a weight entering a computation is finite, or the file and tensor are named. */
    private static void requireFinite(Checkpoint checkpoint, TensorInfo t, java.nio.FloatBuffer values) {
        for (int i = 0, n = values.remaining(); i < n; i++) {
            float v = values.get(i);
            if (!Float.isFinite(v)) {
                throw new CheckpointException(checkpoint.file(t.name()).path() + ": tensor '" + t.name() + "' holds " + v
                        + " at element " + i);
            }
        }
    }

    /**
     * Writes float32 weights. A target ending in {@code .safetensors} becomes one file; any other target becomes
     * a Hugging Face directory with {@code model.safetensors} and, when {@code config} is given, {@code config.json}.
     * Each file is written to a temporary name and renamed into place.
     *
     * @return the safetensors file written
     */
    public static Path save(Map<String, NDArray> weights, Path target, VitConfig config, Map<String, String> metadata) {
        boolean directory = !target.getFileName().toString().endsWith(".safetensors");
        Path file = directory ? target.resolve(HF_WEIGHTS) : target;
        List<TensorSpec> specs = new ArrayList<>();
        weights.forEach((name, a) -> {
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("weight '" + name + "' is " + a.getDataType() + "; only float32 is written");
            }
            specs.add(new TensorSpec(name, DType.F32, a.getShape().getShape()));
        });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (metadata != null) {
            meta.putAll(metadata);
        }
        try (SafetensorsWriter writer = new SafetensorsWriter(file, specs, meta)) {
            for (NDArray a : weights.values()) {
                writer.writeFloats(a.toFloatArray());
            }
            writer.commit();
        }
        if (directory && config != null) {
            writeJson(target.resolve(HF_CONFIG), config.toJson());
        }
        return file;
    }

    private static void writeJson(Path target, ObjectNode json) {
        try {
            io.adamerge.io.AtomicFiles.write(target, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, json));
        } catch (java.io.UncheckedIOException e) {
            throw new CheckpointException(target + ": cannot write (" + e.getCause().getMessage() + ")", e);
        }
    }
}
