package io.adamerge.taskvector;

import io.adamerge.checkpoint.TensorInfo;
import java.util.Arrays;
import java.util.List;

/**
 * The trimmed, sign-agreeing task vectors of Ties-Merging, tensor by tensor: what AdaMerging++ merges instead
 * of the raw task vectors. In {@link TiesScope#GLOBAL} scope the thresholds and the majority sign are computed
 * once, on creation, by streaming the inputs (three passes, memory independent of model size); afterwards
 * each tensor's masked task vectors are computed on demand from its chunks.
 */
public final class TiesMasks {
    private final ModelSet inputs;
    private final TiesScope scope;
    private final double[] density;
    private final ChunkReader reader;
    private final TiesSelection global;

    private TiesMasks(ModelSet inputs, TiesScope scope, double[] density, int chunkElements) {
        if (!inputs.hasBase()) {
            throw new IllegalArgumentException("Ties masks need a base model");
        }
        if (density.length != inputs.size()) {
            throw new IllegalArgumentException(density.length + " densities for " + inputs.size() + " models");
        }
        this.inputs = inputs;
        this.scope = scope;
        this.density = density.clone();
        this.reader = inputs.reader(chunkElements);
        if (scope == TiesScope.GLOBAL) {
            global = new TiesSelection(scope, this.density, inputs.floatElementCount(), false, true);
            runPasses(global, inputs.floatTensors());
        } else {
            global = null;
        }
    }

    /** Masks with one density for every model (the paper: 0.2, global scope). */
    public static TiesMasks compute(ModelSet inputs, double density, TiesScope scope) {
        double[] d = new double[inputs.size()];
        Arrays.fill(d, density);
        return new TiesMasks(inputs, scope, d, 1 << 18);
    }

    public static TiesMasks compute(ModelSet inputs, double[] density, TiesScope scope, int chunkElements) {
        return new TiesMasks(inputs, scope, density, chunkElements);
    }

    private void runPasses(TiesSelection selection, List<TensorInfo> tensors) {
        while (!selection.ready()) {
            int stride = selection.samplingPass() ? TiesSelection.SAMPLE_STRIDE : 1;
            long ordinal = 0;
            for (TensorInfo t : tensors) {
                for (long start = 0; start < t.numel(); start += reader.chunkElements()) {
                    if (ordinal++ % stride != 0) {
                        continue;
                    }
                    int count = (int) Math.min(reader.chunkElements(), t.numel() - start);
                    reader.read(t, start, count);
                    selection.observe(reader.base(), reader.models(), count);
                }
            }
            selection.endPass();
        }
    }

    public TiesScope scope() {
        return scope;
    }

    /** Global scope: model k's magnitude threshold over its whole task vector (NaN when it keeps nothing). */
    public float threshold(int k) {
        if (global == null) {
            throw new IllegalStateException("per-tensor scope has one threshold per tensor");
        }
        return global.threshold(k);
    }

    /** The masked task vector of every model for one floating tensor: {@code result[k]} has the tensor's numel values. */
    public float[][] maskedTaskVectors(String tensorName) {
        TensorInfo t = inputs.template().info(tensorName);
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException("'" + tensorName + "' is " + t.dtype() + ": it has no task vector");
        }
        int n = Math.toIntExact(t.numel());
        float[][] out = new float[inputs.size()][n];
        TiesSelection selection = global;
        if (selection == null) {
            selection = new TiesSelection(scope, density, t.numel());
            runPasses(selection, List.of(t));
        }
        float[][] chunkOut = new float[inputs.size()][reader.chunkElements()];
        for (long start = 0; start < n; start += reader.chunkElements()) {
            int count = (int) Math.min(reader.chunkElements(), n - start);
            reader.read(t, start, count);
            selection.maskedTaskVectors(reader.base(), reader.models(), count, chunkOut);
            for (int k = 0; k < out.length; k++) {
                System.arraycopy(chunkOut[k], 0, out[k], (int) start, count);
            }
        }
        return out;
    }
}
