package io.adamerge.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, opened lazily: the header is parsed and validated on open; a tensor's bytes
 * are memory-mapped only when asked for. Read-only; the file is never modified.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;
    private final Map<String, TensorInfo> byName = new LinkedHashMap<>();

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        for (TensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
    }

    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw new CheckpointException(path + ": file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLength = lenBuf.getLong(0);
            if (headerLength < 0 || headerLength > size - 8) {
                throw new CheckpointException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " runs past the end of the file (" + size + " bytes)");
            }
            if (headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new CheckpointException(path + ": header length " + headerLength + " exceeds the 100 MB limit");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBuf, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(path.toString(), headerBuf.array(), size - 8 - headerLength);
            return new SafetensorsFile(path, channel, 8 + headerLength, header);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new CheckpointException(path + ": read failed (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, position + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    public SafetensorsHeader header() {
        return header;
    }

    /** Tensor entries in header order. */
    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw new CheckpointException(path + ": no tensor '" + name + "'");
        }
        return t;
    }

    /** The raw little-endian bytes of a tensor, memory-mapped, read-only. */
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        return map(t, 0, t.byteLength());
    }

    private ByteBuffer map(TensorInfo t, long fromByte, long length) {
        if (length > Integer.MAX_VALUE) {
            throw new CheckpointException(path + ": tensor '" + t.name() + "' region of " + length
                    + " bytes is too large to map at once; read it in chunks");
        }
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + fromByte, length);
            return m.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot map tensor '" + t.name() + "' (" + e.getMessage() + ")", e);
        }
    }

    /** The whole floating tensor as F32 values. */
    public float[] readFloats(String name) {
        TensorInfo t = info(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(path + ": tensor '" + name + "' has " + n + " elements; read it in chunks");
        }
        float[] out = new float[(int) n];
        readFloats(name, 0, out, 0, (int) n);
        return out;
    }

    /** Reads {@code count} elements starting at element {@code start} of a floating tensor, converted to F32. */
    public void readFloats(String name, long start, float[] out, int offset, int count) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloating()) {
            throw new CheckpointException(path + ": tensor '" + name + "' is " + t.dtype() + ", not a floating tensor");
        }
        if (start < 0 || count < 0 || start + count > t.numel()) {
            throw new IndexOutOfBoundsException(name + ": elements " + start + ".." + (start + count) + " of " + t.numel());
        }
        int size = t.dtype().byteSize();
        ByteBuffer b = map(t, start * size, (long) count * size);
        FloatCodec.decode(t.dtype(), b, out, offset, count);
    }

    /**
     * Reads {@code count} elements starting at element {@code start} of a floating tensor, converted to F32,
     * with a positioned read into {@code scratch} (reused by the caller). Streaming uses this instead of
     * memory-mapping, so resident memory stays at the size of the scratch buffer however large the file.
     */
    public void readFloats(String name, long start, float[] out, int offset, int count, ByteBuffer scratch) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloating()) {
            throw new CheckpointException(path + ": tensor '" + name + "' is " + t.dtype() + ", not a floating tensor");
        }
        if (start < 0 || count < 0 || start + count > t.numel()) {
            throw new IndexOutOfBoundsException(name + ": elements " + start + ".." + (start + count) + " of " + t.numel());
        }
        int size = t.dtype().byteSize();
        if ((long) count * size > scratch.capacity()) {
            throw new IllegalArgumentException("scratch buffer of " + scratch.capacity() + " bytes is too small for "
                    + count + " elements of " + t.dtype());
        }
        scratch.clear().limit(count * size);
        readBytes(t, start * size, scratch);
        scratch.flip();
        FloatCodec.decode(t.dtype(), scratch, out, offset, count);
    }

    /** Fills {@code dst} (position to limit) with the tensor's bytes from byte {@code fromByte} on, by positioned reads. */
    public void readBytes(String name, long fromByte, ByteBuffer dst) {
        TensorInfo t = info(name);
        if (fromByte < 0 || fromByte + dst.remaining() > t.byteLength()) {
            throw new IndexOutOfBoundsException(name + ": bytes " + fromByte + ".." + (fromByte + dst.remaining())
                    + " of " + t.byteLength());
        }
        readBytes(t, fromByte, dst);
    }

    private void readBytes(TensorInfo t, long fromByte, ByteBuffer dst) {
        long position = dataStart + t.begin() + fromByte;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw new CheckpointException(path + ": file ends inside tensor '" + t.name() + "'");
                }
                position += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read tensor '" + t.name() + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Integer tensors as long values (I64, I32, I16, I8, U8, BOOL). */
    public long[] readLongs(String name) {
        TensorInfo t = info(name);
        ByteBuffer b = bytes(name);
        long[] out = new long[Math.toIntExact(t.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (t.dtype()) {
                case I64 -> b.getLong(8 * i);
                case I32 -> b.getInt(4 * i);
                case I16 -> b.getShort(2 * i);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
                default -> throw new CheckpointException(path + ": tensor '" + name + "' is " + t.dtype() + ", not integer");
            };
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a read-only channel loses nothing
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
