package io.adamerge.data.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset as one safetensors file: {@code pixel_values} [N, C, H, W] F32 and {@code labels} [N] I64, with
 * the class names (a JSON list) and the dataset name in the metadata. Written atomically.
 */
public final class SplitFiles {
    public static final String PIXELS = "pixel_values";
    public static final String LABELS = "labels";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SplitFiles() {
    }

    public static void write(ImageDataset data, Path file, Map<String, String> extraMetadata) {
        ImageSpec s = data.spec();
        List<TensorSpec> specs = List.of(
                new TensorSpec(PIXELS, DType.F32, new long[] {data.size(), s.channels(), s.height(), s.width()}),
                new TensorSpec(LABELS, DType.I64, new long[] {data.size()}));
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        meta.put("name", data.name());
        try {
            meta.put("classes", JSON.writeValueAsString(data.classNames()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer labels = ByteBuffer.allocate(8 * data.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int y : data.labels()) {
            labels.putLong(y);
        }
        labels.flip();
        try (SafetensorsWriter w = new SafetensorsWriter(file, specs, meta)) {
            w.writeFloats(data.pixels());
            w.writeBytes(labels);
            w.commit();
        }
    }

    public static ImageDataset read(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo px = f.info(PIXELS);
            TensorInfo lb = f.info(LABELS);
            long[] shape = px.shape();
            if (shape.length != 4) {
                throw new DataException(file, "'" + PIXELS + "' has shape " + px.shapeString() + ", expected [N, C, H, W]");
            }
            if (lb.shape().length != 1 || lb.shape()[0] != shape[0]) {
                throw new DataException(file, "'" + LABELS + "' has shape " + lb.shapeString() + " for " + shape[0] + " images");
            }
            String classesJson = f.metadata().get("classes");
            List<String> classes;
            if (classesJson == null) {
                throw new DataException(file, "no 'classes' entry in the metadata");
            }
            try {
                classes = JSON.readValue(classesJson, new TypeReference<List<String>>() { });
            } catch (JsonProcessingException e) {
                throw new DataException(file, "metadata 'classes' is not a JSON list of names");
            }
            long[] labels = f.readLongs(LABELS);
            int[] y = new int[labels.length];
            for (int i = 0; i < y.length; i++) {
                if (labels[i] < 0 || labels[i] >= classes.size()) {
                    throw new DataException(file, "label " + labels[i] + " at index " + i + " is outside 0.." + (classes.size() - 1));
                }
                y[i] = (int) labels[i];
            }
            ImageSpec spec = new ImageSpec((int) shape[1], (int) shape[2], (int) shape[3]);
            String name = f.metadata().getOrDefault("name", file.getFileName().toString());
            return new ImageDataset(name, spec, f.readFloats(PIXELS), y, classes);
        } catch (CheckpointException e) {
            throw new DataException(file, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new DataException(file, e.getMessage(), e);
        }
    }
}
