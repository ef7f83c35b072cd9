package io.adamerge.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.io.AtomicFiles;
import io.adamerge.io.OutputTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Streams a whole checkpoint: tensors in declaration order, as one safetensors file or as a Hugging Face
 * style directory sharded at a byte size (with {@code model.safetensors.index.json} when there is more than
 * one shard). Nothing is visible at the target until {@link #commit()}: a file output goes through
 * {@link SafetensorsWriter}'s temporary file, a directory output is built in a hidden sibling directory and
 * renamed into place. Closing without commit removes everything written.
 */
public final class CheckpointWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hugging Face's names; loaders look for exactly these. */
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path target;
    private final boolean directory;
    private final Path workDir;
    private final List<List<TensorSpec>> shards;
    private final List<Path> shardPaths = new ArrayList<>();
    private final Map<String, String> metadata;
    private final List<Path> extraFiles = new ArrayList<>();
    /** Where each tensor's data starts in its shard: for patches after a shard is finished. */
    private final Map<String, long[]> positions = new java.util.HashMap<>();
    private SafetensorsWriter current;
    private int shardIndex = -1;
    private final boolean replace;
    private boolean committed;

    private CheckpointWriter(Path target, boolean replace, boolean directory, List<TensorSpec> specs,
                             Map<String, String> metadata, long shardBytes) {
        this.target = target.toAbsolutePath().normalize();
        this.replace = replace;
        this.directory = directory;
        this.metadata = metadata;
        this.shards = directory ? planShards(specs, shardBytes) : List.of(List.copyOf(specs));
        try {
            if (directory) {
                this.workDir = AtomicFiles.newTempDirectory(this.target);
            } else {
                this.workDir = null;
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot create output (" + e.getMessage() + ")", e);
        }
        for (int i = 0; i < shards.size(); i++) {
            String name = shards.size() == 1 ? SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            shardPaths.add(directory ? workDir.resolve(name) : this.target);
        }
        try {
            openNextShard();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One safetensors file at {@code target}. */
    public static CheckpointWriter singleFile(Path target, List<TensorSpec> specs, Map<String, String> metadata) {
        return new CheckpointWriter(target, true, false, specs, metadata, Long.MAX_VALUE);
    }

    /**
     * A model output checked under the output policy: one file when {@code target}'s kind is a file, else a (sharded)
     * directory. An existing target is replaced only when the check allowed it ({@code --force}).
     */
    public static CheckpointWriter create(OutputTarget target, List<TensorSpec> specs, Map<String, String> metadata,
                                          long shardBytes) {
        if (shardBytes <= 0) {
            throw new IllegalArgumentException("shard size must be positive, got " + shardBytes);
        }
        boolean dir = target.kind() != OutputTarget.Kind.FILE;
        return new CheckpointWriter(target.path(), target.replaces(), dir, specs, metadata, dir ? shardBytes : Long.MAX_VALUE);
    }

    /** A model directory at {@code target}, sharded so that no shard's data exceeds {@code shardBytes} (unless one tensor does). */
    public static CheckpointWriter directory(Path target, List<TensorSpec> specs, Map<String, String> metadata, long shardBytes) {
        if (shardBytes <= 0) {
            throw new IllegalArgumentException("shard size must be positive, got " + shardBytes);
        }
        return new CheckpointWriter(target, true, true, specs, metadata, shardBytes);
    }

    /** Greedy in declaration order, as Hugging Face's save_pretrained does. */
    static List<List<TensorSpec>> planShards(List<TensorSpec> specs, long shardBytes) {
        List<List<TensorSpec>> out = new ArrayList<>();
        List<TensorSpec> shard = new ArrayList<>();
        long size = 0;
        for (TensorSpec s : specs) {
            if (!shard.isEmpty() && size + s.byteLength() > shardBytes) {
                out.add(shard);
                shard = new ArrayList<>();
                size = 0;
            }
            shard.add(s);
            size += s.byteLength();
        }
        out.add(shard);
        return out;
    }

    public int shardCount() {
        return shards.size();
    }

    /** The files the output will consist of once committed (final locations). */
    public List<Path> outputFiles() {
        List<Path> out = new ArrayList<>();
        for (Path p : shardPaths) {
            out.add(directory ? target.resolve(p.getFileName()) : p);
        }
        if (directory && shards.size() > 1) {
            out.add(target.resolve(INDEX_FILE));
        }
        for (Path p : extraFiles) {
            out.add(target.resolve(workDir.relativize(p)));
        }
        return out;
    }

    /** The spec of the tensor whose data is expected next, or null when all are written. */
    public TensorSpec next() {
        return current == null ? null : current.next();
    }

    /** Appends F32 values to the current tensor (a tensor never spans shards). */
    public void writeFloats(float[] values, int offset, int count) {
        requireNext();
        current.writeFloats(values, offset, count);
        rollIfShardDone();
    }

    /** Whether the output is one file, so that chunks can be written at their place ({@link #writeFloatsAt}). */
    public boolean oneFile() {
        return shards.size() == 1;
    }

    /**
     * Writes a chunk of a floating tensor at its place in a one-file output, from any thread (see
     * {@link SafetensorsWriter#writeFloatsAt}); the stream passes over it later with {@link #skipFloats}.
     */
    public void writeFloatsAt(String name, long element, float[] values, int offset, int count, ByteBuffer scratch) {
        if (!oneFile()) {
            throw new IllegalStateException(target + ": chunks are written at their place only in a one-file output");
        }
        current.writeFloatsAt(name, element, values, offset, count, scratch);
    }

    /** The stream passes over {@code count} elements of the current tensor, written by {@link #writeFloatsAt}. */
    public void skipFloats(int count) {
        requireNext();
        current.skipFloats(count);
        rollIfShardDone();
    }

    public void writeBytes(ByteBuffer bytes) {
        requireNext();
        current.writeBytes(bytes);
        rollIfShardDone();
    }

    private TensorSpec requireNext() {
        TensorSpec s = next();
        if (s == null) {
            throw new IllegalStateException(target + ": all tensors already written");
        }
        return s;
    }

    private void openNextShard() {
        shardIndex++;
        // shards inside the (new, hidden) work directory are ours; a single-file output follows the policy
        current = new SafetensorsWriter(shardPaths.get(shardIndex), directory || replace, shards.get(shardIndex), metadata);
        for (TensorSpec s : shards.get(shardIndex)) {
            positions.put(s.name(), new long[] {shardIndex, current.filePosition(s.name()), s.dtype().ordinal()});
        }
        rollIfShardDone();
    }

    private void rollIfShardDone() {
        while (current != null && current.next() == null && shardIndex + 1 < shards.size()) {
            current.commit();
            current.close();
            openNextShard();
        }
    }

    /**
     * Overwrites one already-written element of a floating tensor, before {@link #commit()}: for corrections known
     * only after everything was streamed (Ties' zero-sum entries, once the majority sign is known).
     */
    public void patchFloat(String name, long element, float value) {
        long[] where = positions.get(name);
        if (where == null) {
            throw new IllegalArgumentException(target + ": no tensor '" + name + "'");
        }
        if (where[0] == shardIndex) {
            current.patchFloat(name, element, value);
            return;
        }
        // a finished shard, already renamed inside the (hidden) work directory
        DType dtype = DType.values()[(int) where[2]];
        Path shard = shardPaths.get((int) where[0]);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(shard,
                java.nio.file.StandardOpenOption.WRITE)) {
            SafetensorsWriter.writeElement(ch, where[1] + element * dtype.byteSize(), dtype, value);
        } catch (IOException e) {
            throw new CheckpointException(shard + ": cannot patch tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Copies a file (e.g. a Hugging Face {@code config.json}) into a directory output. */
    public void addFile(Path source) {
        if (!directory) {
            throw new IllegalStateException("extra files need a directory output");
        }
        try {
            Path dest = workDir.resolve(source.getFileName());
            Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
            extraFiles.add(dest);
        } catch (IOException e) {
            throw new CheckpointException(source + ": cannot copy into the output (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes {@code content} as {@code relativePath} (e.g. {@code tokenizer.json} or {@code 1_Pooling/config.json})
     * inside a directory output; it appears with the rest on {@link #commit()}.
     */
    public void addFile(String relativePath, byte[] content) {
        if (!directory) {
            throw new IllegalStateException("extra files need a directory output");
        }
        Path dest = workDir.resolve(relativePath).normalize();
        if (!dest.startsWith(workDir) || dest.equals(workDir)) {
            throw new IllegalArgumentException("'" + relativePath + "' is not a path inside the output directory");
        }
        try {
            Files.createDirectories(dest.getParent());
            Files.write(dest, content);
            extraFiles.add(dest);
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot write " + relativePath + " (" + e.getMessage() + ")", e);
        }
    }

    /** Finishes the last shard, writes the index and moves the result into place. */
    public void commit() {
        if (current.next() != null) {
            throw new IllegalStateException(target + ": tensor '" + current.next().name() + "' was not fully written");
        }
        current.commit();
        current.close();
        if (!directory) {
            committed = true;
            return;
        }
        try {
            if (shards.size() > 1) {
                writeIndex();
            }
            AtomicFiles.commit(workDir, target, replace);
            committed = true;
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot finish writing (" + e.getMessage() + ")", e);
        }
    }

    private void writeIndex() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        long total = 0;
        ObjectNode weightMap = JSON.createObjectNode();
        for (int i = 0; i < shards.size(); i++) {
            for (TensorSpec s : shards.get(i)) {
                total += s.byteLength();
                weightMap.put(s.name(), shardPaths.get(i).getFileName().toString());
            }
        }
        root.putObject("metadata").put("total_size", total);
        root.set("weight_map", weightMap);
        Path tmp = workDir.resolve(INDEX_FILE);
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        if (current != null) {
            current.close();
        }
        if (directory) {
            AtomicFiles.discard(workDir);
        }
    }
}
