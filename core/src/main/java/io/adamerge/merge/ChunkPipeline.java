package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.taskvector.ChunkReader;
import io.adamerge.taskvector.ModelSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads chunks ahead on a background thread while the caller computes on the previous ones, so disk reads
 * overlap arithmetic. A fixed pool of buffer sets ({@code depth}) bounds memory; chunks reach the consumer in
 * order, on the calling thread. Read errors (e.g. a NaN in an input) surface on the calling thread.
 */
final class ChunkPipeline implements MergePasses.Source, AutoCloseable {
    /** Consumes one chunk; its arrays are recycled when it returns. */
    interface ChunkConsumer {
        void accept(TensorChunk chunk);
    }

    private static final class Slot {
        final ChunkReader reader;
        final Map<String, float[][]> auxArrays;
        TensorChunk chunk;
        RuntimeException error;

        Slot(ChunkReader reader, Map<String, float[][]> auxArrays) {
            this.reader = reader;
            this.auxArrays = auxArrays;
        }
    }

    private static final Slot END = new Slot(null, null);

    private final AuxiliaryInputs aux;
    private final int chunkElements;
    private final BlockingQueue<Slot> free;
    private final int depth;

    ChunkPipeline(ModelSet inputs, AuxiliaryInputs aux, int chunkElements, int depth) {
        this.aux = aux;
        this.chunkElements = chunkElements;
        this.depth = depth;
        this.free = new ArrayBlockingQueue<>(depth);
        for (int i = 0; i < depth; i++) {
            free.add(new Slot(inputs.reader(chunkElements), aux.arrays(inputs.size(), chunkElements)));
        }
    }

    int chunkElements() {
        return chunkElements;
    }

    /**
     * Streams every chunk of the given tensors, in order, to the consumer.
     *
     * @param tensors the tensors
     * @param indices each tensor's index among the floating tensors ({@link TensorChunk#tensorIndex()})
     * @param checkFinite whether to scan the values for NaN/Inf (once per element is enough: the first pass)
     * @param stride      read only every stride-th chunk of the stream (1: all)
     */
    @Override
    public void stream(List<TensorInfo> tensors, int[] indices, boolean checkFinite, int stride, ChunkConsumer consumer) {
        BlockingQueue<Slot> full = new ArrayBlockingQueue<>(depth + 2);
        CountDownLatch done = new CountDownLatch(1);
        boolean[] cancelled = new boolean[1];
        Thread producer = new Thread(() -> {
            try {
                long ordinal = 0;
                for (int t = 0; t < tensors.size(); t++) {
                    TensorInfo tensor = tensors.get(t);
                    long n = tensor.numel();
                    for (long start = 0; start < n; start += chunkElements) {
                        if (ordinal++ % stride != 0) {
                            continue;
                        }
                        Slot s = free.take();
                        if (isCancelled(cancelled)) {
                            free.add(s);
                            return;
                        }
                        int count = (int) Math.min(chunkElements, n - start);
                        try {
                            s.reader.read(tensor, start, count, checkFinite);
                            Map<String, float[][]> present = aux.read(tensor, start, count, s.reader, s.auxArrays);
                            s.chunk = new TensorChunk(tensor, indices[t], start, count, s.reader.base(),
                                    s.reader.models(), present);
                        } catch (RuntimeException e) {
                            free.add(s);
                            Slot failed = new Slot(null, null);
                            failed.error = e;
                            full.add(failed);
                            return;
                        }
                        full.add(s);
                    }
                }
                full.add(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }, "adamerge-read-ahead");
        producer.setDaemon(true);
        producer.start();
        try {
            while (true) {
                Slot s = take(full);
                if (s == END) {
                    return;
                }
                if (s.error != null) {
                    throw s.error;
                }
                try {
                    consumer.accept(s.chunk);
                } finally {
                    s.chunk = null;
                    free.add(s);
                }
            }
        } finally {
            synchronized (cancelled) {
                cancelled[0] = true;
            }
            // hand every buffer back so that a producer waiting for one wakes up, sees the flag and stops
            awaitQuietly(done, full);
            drain(full);
        }
    }

    private static boolean isCancelled(boolean[] cancelled) {
        synchronized (cancelled) {
            return cancelled[0];
        }
    }

    private void awaitQuietly(CountDownLatch done, BlockingQueue<Slot> full) {
        boolean interrupted = false;
        while (done.getCount() > 0) {
            drain(full);
            try {
                done.await(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain(BlockingQueue<Slot> full) {
        Slot s;
        while ((s = full.poll()) != null) {
            if (s != END && s.reader != null) {
                s.chunk = null;
                free.add(s);
            }
        }
    }

    private static Slot take(BlockingQueue<Slot> full) {
        try {
            return full.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading inputs", e);
        }
    }

    @Override
    public void close() {
        free.clear();
    }
}
