package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.io.AtomicFiles;
import io.adamerge.io.Finite;
import io.adamerge.io.OutputTarget;
import io.adamerge.onnx.BertImportWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes a merged model in its base checkpoint's layout: every tensor of the base, in the base's order and dtype,
 * with the merged values where the merge produced them (encoded from float32 to the base's dtype) and the base's
 * bytes everywhere else (integer buffers such as {@code position_ids}, towers that were not merged).
 */
public final class MergedCheckpoint {
    /** Files of a BERT sentence-encoder directory besides its config, copied into a directory output. */
    private static final List<String> COMPANIONS = List.of(BertImportWriter.TOKENIZER, BertImportWriter.MODULES,
            BertImportWriter.SENTENCE_CONFIG, BertImportWriter.POOLING_CONFIG);

    private MergedCheckpoint() {
    }

    /**
     * Writes {@code target}: a {@code .safetensors} file, or else a directory with {@code model.safetensors} (and
     * the base's {@code config.json}, when it has one). Files are written to temporary names and renamed, so a
     * failure leaves no partial output.
     *
     * @param merged   merged float tensors named as in the base
     * @param metadata added to the base's metadata (and overriding it)
     * @return the safetensors file written
     */
    public static Path write(Path base, Map<String, NDArray> merged, Path target, Map<String, String> metadata) {
        boolean directory = !target.getFileName().toString().endsWith(".safetensors");
        Path file = directory ? target.resolve("model.safetensors") : target;
        return writeFiles(base, merged, file, directory ? target.resolve("config.json") : null, true, metadata);
    }

    /**
     * Writes a checked output: a file is renamed into place, a directory is built in a hidden sibling and renamed
     * into place; what exists there is replaced only when the check allowed it ({@code --force}).
     *
     * @return the safetensors file written (at its final location)
     */
    public static Path write(Path base, Map<String, NDArray> merged, OutputTarget target, Map<String, String> metadata) {
        if (target.kind() == OutputTarget.Kind.FILE) {
            return writeFiles(base, merged, target.path(), null, target.replaces(), metadata);
        }
        Path work = null;
        try {
            work = AtomicFiles.newTempDirectory(target.path());
            writeFiles(base, merged, work.resolve("model.safetensors"), work.resolve("config.json"), true, metadata);
            AtomicFiles.commit(work, target.path(), target.replaces());
            work = null;
            return target.path().resolve("model.safetensors");
        } catch (IOException e) {
            throw new CheckpointException(target.path() + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            AtomicFiles.discard(work);
        }
    }

    private static Path writeFiles(Path base, Map<String, NDArray> merged, Path file, Path configFile, boolean replace,
                                   Map<String, String> metadata) {
        requireFinite(merged);
        try (Checkpoint source = Checkpoint.open(base)) {
            TreeSet<String> unknown = new TreeSet<>(merged.keySet());
            unknown.removeAll(source.names());
            if (!unknown.isEmpty()) {
                throw new CheckpointException(base + ": merged tensors the base does not have: " + unknown);
            }
            List<TensorSpec> specs = new ArrayList<>();
            for (TensorInfo t : source.tensors()) {
                NDArray m = merged.get(t.name());
                if (m != null) {
                    if (!t.dtype().isFloating()) {
                        throw new CheckpointException(base + ": tensor '" + t.name() + "' is " + t.dtype() + " and cannot take merged floats");
                    }
                    if (!Arrays.equals(m.getShape().getShape(), t.shape())) {
                        throw new CheckpointException(base + ": merged '" + t.name() + "' has shape "
                                + Arrays.toString(m.getShape().getShape()) + ", the base " + t.shapeString());
                    }
                }
                specs.add(TensorSpec.of(t));
            }
            Map<String, String> meta = new LinkedHashMap<>(source.metadata());
            meta.putIfAbsent("format", "pt");
            if (metadata != null) {
                meta.putAll(metadata);
            }
            try (SafetensorsWriter writer = new SafetensorsWriter(file, replace, specs, meta)) {
                for (TensorInfo t : source.tensors()) {
                    NDArray m = merged.get(t.name());
                    if (m != null) {
                        writer.writeFloats(m.toFloatArray());
                    } else {
                        writer.writeBytes(source.bytes(t.name()));
                    }
                }
                writer.commit();
            }
            if (configFile != null && source.configJson().isPresent()) {
                copyAtomically(source.configJson().get(), configFile);
                // a sentence-encoder directory's tokenizer and pooling files, so the output loads as its base does
                Path baseDir = source.configJson().get().getParent();
                for (String companion : COMPANIONS) {
                    Path from = baseDir.resolve(companion);
                    if (Files.isRegularFile(from)) {
                        Path to = configFile.resolveSibling(companion);
                        try {
                            Files.createDirectories(to.getParent());
                        } catch (IOException e) {
                            throw new CheckpointException(to.getParent() + ": cannot create (" + e.getMessage() + ")", e);
                        }
                        copyAtomically(from, to);
                    }
                }
            }
        }
        return file;
    }

    private static void copyAtomically(Path from, Path to) {
        try {
            AtomicFiles.copy(from, to);
        } catch (java.io.UncheckedIOException e) {
            throw new CheckpointException(to + ": cannot write (" + e.getCause().getMessage() + ")", e);
        }
    }

    /** The output half of the input policy: a merge of finite inputs can still overflow; never write that. */
    private static void requireFinite(Map<String, NDArray> merged) {
        for (Map.Entry<String, NDArray> e : merged.entrySet()) {
            float[] v = e.getValue().toFloatArray();
            int i = Finite.firstNonFinite(v);
            if (i >= 0) {
                throw new CheckpointException("the merged tensor '" + e.getKey() + "' holds " + v[i] + " at element " + i
                        + "; nothing written");
            }
        }
    }
}
