package io.adamerge.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import io.adamerge.io.AtomicFiles;
import io.adamerge.io.OutputTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Streams one safetensors file: the header is written first from the declared specs, then each tensor's
 * data in declaration order. Output goes to a temporary file beside the target and is renamed into
 * place by {@link #commit()}; closing without commit deletes it, so no partial output is ever left.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes of the output buffer: encoded values go straight into it, and from it to the file by one write. */
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path target;
    private final Path temp;
    private final FileChannel out;
    /** Encoded bytes not yet written to {@link #out}, from 0 to its position. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final List<TensorSpec> specs;
    private final Map<String, Long> dataOffsets = new java.util.HashMap<>();
    private final Map<String, TensorSpec> specByName = new java.util.HashMap<>();
    /** File position of the first byte in {@link #buffer}: the stream's bytes are written at their positions. */
    private long bufferPosition;
    private long dataStart;
    private FileChannel patchChannel;
    private int current;
    private long writtenInCurrent;
    private final boolean replace;
    private boolean committed;

    /** A writer that replaces whatever is at {@code target} on commit (for files the caller owns). */
    public SafetensorsWriter(Path target, List<TensorSpec> specs, Map<String, String> metadata) {
        this(target, true, specs, metadata);
    }

    /** A writer for a checked output: it replaces an existing file only if the user allowed it. */
    public SafetensorsWriter(OutputTarget target, List<TensorSpec> specs, Map<String, String> metadata) {
        this(target.path(), target.replaces(), specs, metadata);
    }

    /** A writer that replaces an existing {@code target} on commit only if {@code replace}; otherwise commit fails. */
    public SafetensorsWriter(Path target, boolean replace, List<TensorSpec> specs, Map<String, String> metadata) {
        this.target = target.toAbsolutePath();
        this.replace = replace;
        this.specs = List.copyOf(specs);
        for (TensorSpec s : this.specs) {
            specByName.put(s.name(), s);
        }
        Path created = null;
        try {
            created = AtomicFiles.newTempFile(this.target);
            this.temp = created;
            this.out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            writeHeader(metadata);
        } catch (IOException e) {
            AtomicFiles.discard(created);
            throw new CheckpointException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
        skipEmpty();
    }

    private void writeHeader(Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorSpec s : specs) {
            dataOffsets.put(s.name(), offset);
            ObjectNode e = root.putObject(s.name());
            e.put("dtype", s.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            long end = offset + s.byteLength();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8; // align the data section to 8 bytes, as the reference writer does
        dataStart = 8L + padded;
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        put(ByteBuffer.wrap(len.array()));
        put(ByteBuffer.wrap(json));
        byte[] spaces = new byte[padded - json.length];
        java.util.Arrays.fill(spaces, (byte) ' ');
        put(ByteBuffer.wrap(spaces));
    }

    /** Appends bytes (position to limit of {@code bytes}, which is left unchanged) through the output buffer. */
    private void put(ByteBuffer bytes) throws IOException {
        ByteBuffer b = bytes.duplicate();
        while (b.hasRemaining()) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(buffer.remaining(), b.remaining());
            int limit = b.limit();
            b.limit(b.position() + n);
            buffer.put(b);
            b.limit(limit);
        }
    }

    /** Writes the buffered bytes to the file. */
    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            bufferPosition += out.write(buffer, bufferPosition);
        }
        buffer.clear();
    }

    /** The spec of the tensor whose data is expected next, or null when all are written. */
    public TensorSpec next() {
        return current < specs.size() ? specs.get(current) : null;
    }

    /** Appends F32 values to the current tensor, encoded in its dtype. */
    public void writeFloats(float[] values, int offset, int count) {
        if (count == 0) {
            return;
        }
        TensorSpec s = expect(count);
        try {
            int size = s.dtype().byteSize();
            for (int done = 0; done < count; ) {
                if (buffer.remaining() < size) {
                    flush();
                }
                int n = Math.min(buffer.remaining() / size, count - done);
                FloatCodec.encode(s.dtype(), values, offset + done, n, buffer);
                done += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": write failed at tensor '" + s.name() + "' (" + e.getMessage() + ")", e);
        }
        advance(count);
    }

    /**
     * Writes F32 values, encoded in the tensor's dtype, at elements {@code [element, element + count)} of a floating
     * tensor, straight to their place in the file; safe to call from several threads at once (each with its own
     * {@code scratch}, a buffer of at least {@code count} elements of the dtype). The sequential stream then passes
     * over them with {@link #skipFloats}.
     */
    public void writeFloatsAt(String name, long element, float[] values, int offset, int count, ByteBuffer scratch) {
        TensorSpec s = specByName.get(name);
        if (s == null || !s.dtype().isFloating() || element < 0 || count < 0 || element + count > s.numel()) {
            throw new IllegalArgumentException(target + ": cannot write elements " + element + ".." + (element + count)
                    + " of '" + name + "'");
        }
        int size = s.dtype().byteSize();
        if ((long) count * size > scratch.capacity()) {
            throw new IllegalArgumentException("scratch of " + scratch.capacity() + " bytes for " + count + " elements of "
                    + s.dtype());
        }
        scratch.clear();
        FloatCodec.encode(s.dtype(), values, offset, count, scratch);
        scratch.flip();
        long position = filePosition(name) + element * size;
        try {
            while (scratch.hasRemaining()) {
                position += out.write(scratch, position);
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": write failed at tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Moves the sequential stream over {@code count} elements of the current tensor written by {@link #writeFloatsAt}. */
    public void skipFloats(int count) {
        if (count == 0) {
            return;
        }
        TensorSpec s = expect(count);
        try {
            flush();
        } catch (IOException e) {
            throw new CheckpointException(target + ": write failed at tensor '" + s.name() + "' (" + e.getMessage() + ")", e);
        }
        bufferPosition += (long) count * s.dtype().byteSize();
        advance(count);
    }

    public void writeFloats(float[] values) {
        writeFloats(values, 0, values.length);
    }

    /** Appends raw little-endian element bytes (any dtype) to the current tensor. */
    public void writeBytes(ByteBuffer bytes) {
        if (!bytes.hasRemaining()) {
            return;
        }
        TensorSpec s = next();
        if (s == null) {
            throw new IllegalStateException(target + ": all tensors already written");
        }
        int size = s.dtype().byteSize();
        if (bytes.remaining() % size != 0) {
            throw new IllegalArgumentException(s.name() + ": " + bytes.remaining() + " bytes is not a whole number of " + s.dtype());
        }
        long count = bytes.remaining() / size;
        expect(count);
        try {
            put(bytes);
        } catch (IOException e) {
            throw new CheckpointException(target + ": write failed at tensor '" + s.name() + "' (" + e.getMessage() + ")", e);
        }
        advance(count);
    }

    private TensorSpec expect(long count) {
        TensorSpec s = next();
        if (s == null) {
            throw new IllegalStateException(target + ": all tensors already written");
        }
        if (writtenInCurrent + count > s.numel()) {
            throw new IllegalStateException(target + ": tensor '" + s.name() + "' holds " + s.numel()
                    + " elements, got " + (writtenInCurrent + count));
        }
        return s;
    }

    private void advance(long count) {
        writtenInCurrent += count;
        if (writtenInCurrent == specs.get(current).numel()) {
            current++;
            writtenInCurrent = 0;
            skipEmpty();
        }
    }

    private void skipEmpty() {
        while (current < specs.size() && specs.get(current).numel() == 0) {
            current++;
        }
    }

    /** Byte position in the file of element 0 of a tensor. */
    public long filePosition(String name) {
        Long offset = dataOffsets.get(name);
        if (offset == null) {
            throw new IllegalArgumentException(target + ": no tensor '" + name + "'");
        }
        return dataStart + offset;
    }

    /**
     * Overwrites one already-written element of a floating tensor, encoded in the tensor's dtype (before commit).
     * For corrections that are only known after the whole output is streamed.
     */
    public void patchFloat(String name, long element, float value) {
        TensorSpec s = specs.stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(target + ": no tensor '" + name + "'"));
        int index = specs.indexOf(s);
        boolean written = index < current || (index == current && element < writtenInCurrent);
        if (!s.dtype().isFloating() || element < 0 || element >= s.numel() || !written || committed) {
            throw new IllegalStateException(target + ": cannot patch element " + element + " of '" + name + "'");
        }
        try {
            flush();
            if (patchChannel == null) {
                patchChannel = FileChannel.open(temp, StandardOpenOption.WRITE);
            }
            writeElement(patchChannel, filePosition(name) + element * s.dtype().byteSize(), s.dtype(), value);
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot patch tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Writes one encoded element at a byte position of an open file. */
    static void writeElement(FileChannel channel, long position, DType dtype, float value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        FloatCodec.encode(dtype, new float[] {value}, 0, 1, b);
        b.flip();
        while (b.hasRemaining()) {
            position += channel.write(b, position);
        }
    }

    /** Flushes, syncs and atomically renames the temporary file onto the target. */
    public void commit() {
        if (current != specs.size()) {
            throw new IllegalStateException(target + ": tensor '" + specs.get(current).name() + "' was not fully written");
        }
        try {
            flush();
            out.close();
            if (patchChannel != null) {
                patchChannel.close();
            }
            AtomicFiles.commit(temp, target, replace);
            committed = true;
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot finish writing (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                if (patchChannel != null) {
                    patchChannel.close();
                }
                out.close();
            } catch (IOException ignored) {
                // the temporary file is deleted below either way
            }
            AtomicFiles.discard(temp);
        }
    }

    /** Writes small in-memory F32 tensors (in map order) to one file, atomically. */
    public static void write(Path target, Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        write(target, true, tensors, metadata);
    }

    /** As {@link #write(Path, Map, Map)}, to a checked output. */
    public static void write(OutputTarget target, Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        write(target.path(), target.replaces(), tensors, metadata);
    }

    private static void write(Path target, boolean replace, Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        List<TensorSpec> specs = tensors.entrySet().stream()
                .map(e -> new TensorSpec(e.getKey(), DType.F32, e.getValue().shape())).toList();
        try (SafetensorsWriter w = new SafetensorsWriter(target, replace, specs, metadata)) {
            for (FloatTensor t : tensors.values()) {
                w.writeFloats(t.data());
            }
            w.commit();
        }
    }

}
