package io.adamerge.taskvector;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Reads the same element range of one floating tensor from the base and from every model into reused F32
 * arrays, by positioned reads into one reused direct buffer, so memory is a few chunks whatever the model size.
 * Values are checked to be finite unless the {@link ModelSet} allows otherwise. Not thread-safe.
 */
public final class ChunkReader {
    private final ModelSet set;
    private final int chunkElements;
    private final float[] base;
    private final float[][] models;
    private final ByteBuffer scratch;

    ChunkReader(ModelSet set, int chunkElements) {
        if (chunkElements <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkElements);
        }
        this.set = set;
        this.chunkElements = chunkElements;
        this.base = set.hasBase() ? new float[chunkElements] : null;
        this.models = new float[set.size()][chunkElements];
        this.scratch = ByteBuffer.allocateDirect(Math.multiplyExact(chunkElements, 8)).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int chunkElements() {
        return chunkElements;
    }

    /** Number of chunks a tensor is read in. */
    public long chunkCount(TensorInfo t) {
        return (t.numel() + chunkElements - 1) / chunkElements;
    }

    /**
     * Reads elements {@code [start, start + count)} of tensor {@code t}; afterwards {@link #base()} and
     * {@link #models()} hold them at {@code [0, count)}.
     */
    public void read(TensorInfo t, long start, int count) {
        read(t, start, count, true);
    }

    /**
     * As {@link #read(TensorInfo, long, int)}; {@code checkFinite} false skips the NaN/Inf scan, for a later pass
     * over elements an earlier pass already checked.
     */
    public void read(TensorInfo t, long start, int count, boolean checkFinite) {
        if (count > chunkElements) {
            throw new IllegalArgumentException(count + " elements do not fit a chunk of " + chunkElements);
        }
        if (base != null) {
            readOne(set.base().orElseThrow(), t, start, count, base, checkFinite);
        }
        List<Checkpoint> ms = set.models();
        for (int k = 0; k < ms.size(); k++) {
            readOne(ms.get(k), t, start, count, models[k], checkFinite);
        }
    }

    /** Reads a range of one tensor of any checkpoint with the same layout (e.g. a per-model auxiliary input). */
    public void readOne(Checkpoint source, TensorInfo t, long start, int count, float[] into) {
        readOne(source, t, start, count, into, true);
    }

    private void readOne(Checkpoint source, TensorInfo t, long start, int count, float[] into, boolean checkFinite) {
        source.readFloats(t.name(), start, into, 0, count, scratch);
        if (checkFinite) {
            set.checkFinite(source, t.name(), into, 0, count, start);
        }
    }

    /** The base's values of the last read, or null without a base. */
    public float[] base() {
        return base;
    }

    /** Each model's values of the last read. */
    public float[][] models() {
        return models;
    }

    /** A direct buffer of {@code 8 × chunkElements} bytes for raw copies (carried tensors). */
    public ByteBuffer scratch() {
        return scratch;
    }
}
