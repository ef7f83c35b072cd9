package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.taskvector.ChunkReader;
import io.adamerge.taskvector.ModelSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads and works on chunks on several threads at once, and hands each chunk with its result to the calling thread
 * in stream order. A fixed pool of buffer sets ({@code slots}) bounds memory: a worker takes a free set, takes the
 * next chunk of the stream, reads it into the set and works on it; the calling thread takes the sets back in order,
 * consumes them and frees them. So reads overlap arithmetic, and arithmetic runs on every worker; which thread
 * worked on which chunk never changes a value. An error on a worker (a NaN in an input) surfaces on the calling
 * thread, at its chunk, after the chunks before it were consumed.
 */
final class ChunkPipeline implements MergePasses.Source, AutoCloseable {
    private static final class Slot {
        final ChunkReader reader;
        final Map<String, float[][]> auxArrays;
        final float[] out;
        TensorChunk chunk;
        Throwable error;

        Slot(ChunkReader reader, Map<String, float[][]> auxArrays, float[] out) {
            this.reader = reader;
            this.auxArrays = auxArrays;
            this.out = out;
        }
    }

    /** The chunks of one stream, handed out in order; guarded by the pipeline's monitor. */
    private static final class Cursor {
        final List<TensorInfo> tensors;
        final int stride;
        int tensor;
        long start;
        long ordinal;
        /** Chunks handed out so far: their sequence numbers are 0 .. taken − 1. */
        long taken;
        /** No more chunks: the stream ended or a chunk failed. */
        boolean closed;

        Cursor(List<TensorInfo> tensors, int stride) {
            this.tensors = tensors;
            this.stride = stride;
        }

        /** Moves to the next chunk to read; false at the end of the stream. */
        boolean advance(int chunkElements) {
            while (tensor < tensors.size()) {
                long n = tensors.get(tensor).numel();
                if (start >= n) {
                    tensor++;
                    start = 0;
                    continue;
                }
                if (ordinal++ % stride == 0) {
                    return true;
                }
                start += chunkElements;
            }
            return false;
        }
    }

    private final AuxiliaryInputs aux;
    private final int chunkElements;
    private final BlockingQueue<Slot> free;
    private final int slots;

    /**
     * @param slots buffer sets, the most chunks in memory at once; at least 1. Workers beyond {@code slots} would
     *              wait for a set, so a stream runs on at most {@code slots} workers.
     */
    ChunkPipeline(ModelSet inputs, AuxiliaryInputs aux, int chunkElements, int slots) {
        this.aux = aux;
        this.chunkElements = chunkElements;
        this.slots = Math.max(1, slots);
        this.free = new ArrayBlockingQueue<>(this.slots);
        for (int i = 0; i < this.slots; i++) {
            free.add(new Slot(inputs.reader(chunkElements), aux.arrays(inputs.size(), chunkElements),
                    new float[chunkElements]));
        }
    }

    int chunkElements() {
        return chunkElements;
    }

    @Override
    public void stream(List<TensorInfo> tensors, int[] indices, boolean checkFinite, int stride, int threads,
                       MergePasses.ChunkWork work, MergePasses.ChunkWork inOrder) {
        Cursor cursor = new Cursor(tensors, Math.max(1, stride));
        Map<Long, Slot> done = new HashMap<>();
        int workers = Math.max(1, Math.min(threads, slots));
        List<Thread> started = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> work(cursor, indices, checkFinite, work, done), "adamerge-merge-" + w);
            t.setDaemon(true);
            started.add(t);
            t.start();
        }
        try {
            for (long next = 0; ; next++) {
                Slot s = awaitResult(cursor, done, next);
                if (s == null) {
                    return;
                }
                try {
                    if (s.error != null) {
                        throw rethrow(s.error);
                    }
                    inOrder.accept(s.chunk, s.out);
                } finally {
                    release(s);
                }
            }
        } finally {
            synchronized (this) {
                cursor.closed = true;
            }
            stopWorkers(started, done);
        }
    }

    /** A worker: takes a free buffer set, then the next chunk, reads it and works on it, until the stream ends. */
    private void work(Cursor cursor, int[] indices, boolean checkFinite, MergePasses.ChunkWork work, Map<Long, Slot> done) {
        try {
            while (true) {
                Slot s = free.take();
                TensorInfo tensor;
                int tensorPosition;
                long start;
                long seq;
                synchronized (this) {
                    if (cursor.closed || !cursor.advance(chunkElements)) {
                        cursor.closed = true;
                        free.add(s);
                        notifyAll();
                        return;
                    }
                    tensorPosition = cursor.tensor;
                    tensor = cursor.tensors.get(tensorPosition);
                    start = cursor.start;
                    cursor.start += chunkElements;
                    seq = cursor.taken++;
                }
                try {
                    int count = (int) Math.min(chunkElements, tensor.numel() - start);
                    s.reader.read(tensor, start, count, checkFinite);
                    Map<String, float[][]> present = aux.read(tensor, start, count, s.reader, s.auxArrays);
                    s.chunk = new TensorChunk(tensor, indices[tensorPosition], start, count, s.reader.base(),
                            s.reader.models(), present);
                    work.accept(s.chunk, s.out);
                } catch (RuntimeException | Error e) {
                    s.error = e;
                }
                synchronized (this) {
                    if (s.error != null) {
                        cursor.closed = true;
                    }
                    done.put(seq, s);
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The result of chunk {@code seq}, waiting for it; null when the stream has no such chunk. */
    private synchronized Slot awaitResult(Cursor cursor, Map<Long, Slot> done, long seq) {
        while (true) {
            Slot s = done.remove(seq);
            if (s != null) {
                return s;
            }
            if (cursor.closed && seq >= cursor.taken) {
                return null;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while merging", e);
            }
        }
    }

    private void release(Slot s) {
        s.chunk = null;
        s.error = null;
        free.add(s);
    }

    /** Waits for every worker to end, handing back the buffer sets of chunks nobody will consume. */
    private void stopWorkers(List<Thread> workers, Map<Long, Slot> done) {
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive()) {
                synchronized (this) {
                    done.values().forEach(this::release);
                    done.clear();
                }
                try {
                    t.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        synchronized (this) {
            done.values().forEach(this::release);
            done.clear();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    @Override
    public void close() {
        free.clear();
    }
}
