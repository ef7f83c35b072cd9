package io.adamerge.merge;

import io.adamerge.checkpoint.CheckpointException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output corrections recorded during a merge and applied at its end, kept in a temporary file so that memory
 * stays flat however many there are (usually very few). Each record: tensor index, element, value.
 */
public final class PendingPatches implements AutoCloseable {
    /** Receives one recorded correction. */
    @FunctionalInterface
    public interface Sink {
        void accept(int tensorIndex, long element, float value);
    }

    private Path file;
    private DataOutputStream out;
    private long count;

    public synchronized void add(int tensorIndex, long element, float value) {
        try {
            if (out == null) {
                file = Files.createTempFile("adamerge-patches-", ".bin");
                out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
            }
            out.writeInt(tensorIndex);
            out.writeLong(element);
            out.writeFloat(value);
            count++;
        } catch (IOException e) {
            throw new CheckpointException("cannot record a pending output correction (" + e.getMessage() + ")", e);
        }
    }

    public synchronized long count() {
        return count;
    }

    /** Replays the records in the order they were added. */
    public void replay(Sink sink) {
        if (out == null) {
            return;
        }
        try {
            out.flush();
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                for (long i = 0; i < count; i++) {
                    sink.accept(in.readInt(), in.readLong(), in.readFloat());
                }
            }
        } catch (EOFException e) {
            throw new CheckpointException(file + ": pending corrections file is truncated", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read pending corrections (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // deleted below either way
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file; the OS cleans its temp directory
        }
        out = null;
    }
}
