package io.adamerge.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model checkpoint: one safetensors file, a sharded checkpoint ({@code *.safetensors.index.json}),
 * or a Hugging Face model directory ({@code config.json} beside the weights). Tensors are read lazily.
 */
public final class Checkpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final Path configJson;
    /** Replaces some tensors' values (a LoRA adapter over this base); null for a plain checkpoint. */
    private final TensorOverlay overlay;

    private Checkpoint(Path source, List<SafetensorsFile> files, Path configJson) {
        this(source, files, configJson, null);
    }

    private Checkpoint(Path source, List<SafetensorsFile> files, Path configJson, TensorOverlay overlay) {
        this.source = source;
        this.files = files;
        this.configJson = configJson;
        this.overlay = overlay;
        for (SafetensorsFile f : files) {
            for (TensorInfo t : f.tensors()) {
                SafetensorsFile previous = fileOf.put(t.name(), f);
                if (previous != null) {
                    throw new CheckpointException(source + ": tensor '" + t.name() + "' appears in both "
                            + previous.path().getFileName() + " and " + f.path().getFileName());
                }
                tensors.add(t);
            }
        }
    }

    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) {
            return openDirectory(path);
        }
        if (!Files.exists(path)) {
            throw new CheckpointException(path + ": no such file or directory");
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return openIndex(path, null);
        }
        return new Checkpoint(path, List.of(SafetensorsFile.open(path)), null);
    }

    private static Checkpoint openDirectory(Path dir) {
        Path config = dir.resolve("config.json");
        Path configOrNull = Files.isRegularFile(config) ? config : null;
        List<Path> indexes;
        List<Path> weights;
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.sorted().toList();
            indexes = all.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors.index.json")).toList();
            weights = all.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list directory (" + e.getMessage() + ")", e);
        }
        if (indexes.size() > 1) {
            throw new CheckpointException(dir + ": more than one *.safetensors.index.json: " + indexes);
        }
        if (indexes.size() == 1) {
            return openIndex(indexes.get(0), configOrNull);
        }
        if (weights.isEmpty()) {
            throw new CheckpointException(dir + ": no *.safetensors file in directory");
        }
        if (weights.size() > 1) {
            Path preferred = dir.resolve("model.safetensors");
            if (!weights.contains(preferred)) {
                throw new CheckpointException(dir + ": several safetensors files and no index.json: " + weights);
            }
            weights = List.of(preferred);
        }
        return new Checkpoint(dir, List.of(SafetensorsFile.open(weights.get(0))), configOrNull);
    }

    /**
     * A shard named by an index: a plain file name in the index's own folder. Anything else (a path with folders,
     * {@code ../../etc/passwd}, an absolute path) is refused: an index must not make the reader open files elsewhere.
     * A shard that is itself a link (as in a Hugging Face cache, into its blobs) is the folder owner's choice and is
     * followed.
     */
    static Path shardPath(Path index, String tensor, String shard) {
        Path folder = index.toAbsolutePath().normalize().getParent();
        Path name;
        try {
            name = Path.of(shard);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CheckpointException(index + ": weight_map gives tensor '" + tensor + "' the invalid shard name '" + shard + "'");
        }
        if (shard.isEmpty() || name.isAbsolute() || name.getNameCount() != 1 || shard.equals("..") || shard.equals(".")
                || shard.contains("/") || shard.contains("\\")) {
            throw new CheckpointException(index + ": weight_map gives tensor '" + tensor + "' the shard '" + shard
                    + "', which is not a file name in the index's folder; refusing to open it");
        }
        Path p = folder.resolve(name);
        return p;
    }

    private static Checkpoint openIndex(Path index, Path config) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(index + ": index is not valid JSON (" + e.getMessage() + ")", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": index has no weight_map object");
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                expected.put(e.getKey(), shard);
                if (!opened.containsKey(shard)) {
                    Path p = shardPath(index, e.getKey(), shard);
                    SafetensorsFile f = SafetensorsFile.open(p);
                    opened.put(shard, f);
                    files.add(f);
                }
            }
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        Checkpoint c = new Checkpoint(index, files, config);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            SafetensorsFile f = c.fileOf.get(e.getKey());
            if (f == null || !f.path().getFileName().toString().equals(Path.of(e.getValue()).getFileName().toString())) {
                c.close();
                throw new CheckpointException(index + ": weight_map says tensor '" + e.getKey() + "' is in "
                        + e.getValue() + " but it is not there");
            }
        }
        return c;
    }

    /**
     * A checkpoint with {@code base}'s layout whose covered tensors come from {@code overlay}; it takes ownership of
     * {@code base} (closing it closes both). {@code source} names it in messages (the adapter's folder).
     */
    public static Checkpoint overlaid(Checkpoint base, Path source, TensorOverlay overlay) {
        if (base.overlay != null) {
            throw new IllegalArgumentException(base.source + " already carries " + base.overlay.describe());
        }
        return new Checkpoint(source, base.files, base.configJson, overlay);
    }

    public Path source() {
        return source;
    }

    /** The overlay of a checkpoint made from an adapter, if this is one. */
    public java.util.Optional<TensorOverlay> overlay() {
        return java.util.Optional.ofNullable(overlay);
    }

    private boolean overlaid(String name) {
        return overlay != null && overlay.covers(name);
    }

    /** All tensors, shard by shard, each in header order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public List<String> names() {
        return tensors.stream().map(TensorInfo::name).toList();
    }

    public boolean has(String name) {
        return fileOf.containsKey(name);
    }

    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /** The file that holds a tensor. */
    public SafetensorsFile file(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new CheckpointException(source + ": no tensor '" + name + "'");
        }
        return f;
    }

    public float[] readFloats(String name) {
        if (overlaid(name)) {
            float[] out = new float[Math.toIntExact(info(name).numel())];
            overlay.read(name, 0, out, 0, out.length);
            return out;
        }
        return file(name).readFloats(name);
    }

    public void readFloats(String name, long start, float[] out, int offset, int count) {
        if (overlaid(name)) {
            overlay.read(name, start, out, offset, count);
            return;
        }
        file(name).readFloats(name, start, out, offset, count);
    }

    /** Positioned (non-mapped) chunk read; see {@link SafetensorsFile#readFloats(String, long, float[], int, int, ByteBuffer)}. */
    public void readFloats(String name, long start, float[] out, int offset, int count, ByteBuffer scratch) {
        if (overlaid(name)) {
            overlay.read(name, start, out, offset, count);
            return;
        }
        file(name).readFloats(name, start, out, offset, count, scratch);
    }

    /** The tensor's bytes in its stored dtype (an overlaid tensor is encoded into a new little-endian buffer). */
    public ByteBuffer bytes(String name) {
        if (overlaid(name)) {
            TensorInfo t = info(name);
            float[] values = readFloats(name);
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(t.byteLength())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            FloatCodec.encode(t.dtype(), values, 0, values.length, out);
            out.flip();
            return out;
        }
        return file(name).bytes(name);
    }

    public FloatTensor readTensor(String name) {
        return new FloatTensor(info(name).shape().clone(), readFloats(name));
    }

    /** The {@code __metadata__} of the first file (shards of one checkpoint carry the same). */
    public Map<String, String> metadata() {
        return files.get(0).metadata();
    }

    /** {@code config.json} of a Hugging Face model directory. */
    public Optional<Path> configJson() {
        return Optional.ofNullable(configJson);
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
        if (overlay != null) {
            overlay.close();
        }
    }

    @Override
    public String toString() {
        return source.toString();
    }
}
