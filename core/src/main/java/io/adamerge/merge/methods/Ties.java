package io.adamerge.merge.methods;

import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.PendingPatches;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.PrePass;
import io.adamerge.merge.TensorChunk;
import io.adamerge.taskvector.TiesScope;
import io.adamerge.taskvector.TiesSelection;
import java.util.List;

/**
 * Ties-Merging (Yadav et al., 2023): trim each task vector to its top-density magnitudes, elect a sign per
 * entry, keep the entries that agree, merge them disjointly (sum or mean), θ = θ_pre + λ · merged.
 * The trim and election are {@link TiesSelection}'s; this class only wires them into the executor's passes.
 */
public final class Ties implements MergeMethod {
    @Override
    public String name() {
        return "ties";
    }

    @Override
    public String description() {
        return "trim task vectors to the top density, elect signs, disjoint sum/mean, scaled by lambda";
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(
                MergeParameter.number("density", ParameterScope.PER_MODEL, 0.2, 0.0, 1.0,
                        "fraction of each task vector's entries kept, by magnitude"),
                MergeParameter.number("lambda", ParameterScope.GLOBAL, 1.0, null, null,
                        "scaling of the merged task vector (the paper uses 0.3)"),
                MergeParameter.choice("scope", "global", List.of("global", "per-tensor"),
                        "trim over the whole task vector (official TIES/AdaMerging) or per tensor (mergekit)"),
                MergeParameter.choice("merge", "sum", List.of("sum", "mean"),
                        "disjoint sum, or mean over the tasks that kept an entry"));
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        TiesScope scope = TiesScope.parse(setup.parameters().choice("scope"));
        double[] density = setup.parameters().numbers("density");
        boolean mean = setup.parameters().choice("merge").equals("mean");
        float lambda = (float) setup.parameters().number("lambda");
        return scope == TiesScope.GLOBAL
                ? new GlobalRun(new TiesSelection(scope, density, setup.floatElementCount(), true, true), mean, lambda,
                setup.floatTensors(), new PendingPatches())
                : new PerTensorRun(density, mean, lambda);
    }

    /** θ_pre + λ · merged into out. */
    static void addScaledToBase(float[] base, float[] out, int count, float lambda) {
        for (int i = 0; i < count; i++) {
            out[i] = base[i] + lambda * out[i];
        }
    }

    /**
     * Global scope with the majority pass folded into the merge: entries whose trimmed values cancel exactly are
     * merged assuming a positive majority and recorded with their other value; at the end, if the majority was
     * not positive, those entries are corrected. Three passes instead of four, with the official result.
     */
    private record GlobalRun(TiesSelection selection, boolean mean, float lambda, List<TensorInfo> tensors,
                             PendingPatches pending) implements MergeRun {
        @Override
        public boolean concurrent() {
            return true;
        }

        @Override
        public int globalPasses() {
            return selection.passes();
        }

        @Override
        public int globalPassStride(int pass) {
            return selection.samplingPass() ? TiesSelection.SAMPLE_STRIDE : 1;
        }

        @Override
        public void observe(PrePass pass, TensorChunk chunk) {
            selection.observe(chunk.base(), chunk.models(), chunk.count());
        }

        @Override
        public void endPass(PrePass pass) {
            selection.endPass();
        }

        @Override
        public void merge(TensorChunk chunk, float[] out) {
            float[] b = chunk.base();
            selection.disjointMerge(b, chunk.models(), chunk.count(), mean, out,
                    (i, ifNegative) -> pending.add(chunk.tensorIndex(), chunk.start() + i, b[i] + lambda * ifNegative));
            addScaledToBase(b, out, chunk.count(), lambda);
        }

        @Override
        public void finish(OutputPatcher patcher) {
            if (selection.zeroSumSign() <= 0) {
                pending.replay((tensor, element, value) -> patcher.set(tensors.get(tensor), element, value));
            }
        }

        @Override
        public void close() {
            pending.close();
        }
    }

    private static final class PerTensorRun implements MergeRun {
        private final double[] density;
        private final boolean mean;
        private final float lambda;
        private TensorInfo tensor;
        private TiesSelection selection;

        PerTensorRun(double[] density, boolean mean, float lambda) {
            this.density = density;
            this.mean = mean;
            this.lambda = lambda;
        }

        @Override
        public boolean concurrent() {
            return true;
        }

        /**
         * The statistics passes with histograms stay on one thread: a selection per tensor with per-thread histograms
         * would allocate them anew for every tensor, and the garbage would grow the heap (peak memory). Banded passes
         * (whose partials are a few KB) and the merge pass run on all threads.
         */
        @Override
        public boolean concurrentTensorPasses() {
            return false;
        }

        @Override
        public boolean concurrentTensorPass(TensorInfo t, int pass) {
            return selectionFor(t).smallPartials();
        }

        private synchronized TiesSelection selectionFor(TensorInfo t) {
            if (!t.equals(tensor)) {
                tensor = t;
                // sampled (a large tensor) or kept whole (a small one): usually one full pass for the thresholds
                TiesSelection next = new TiesSelection(TiesScope.PER_TENSOR, density, t.numel(), false, true);
                next.reuseScratch(selection);
                selection = next;
            }
            return selection;
        }

        /** Usually: a sample of the tensor and one full pass (a small tensor: the full pass alone). */
        @Override
        public int tensorPasses() {
            return 2;
        }

        @Override
        public int tensorPasses(TensorInfo t) {
            return selectionFor(t).passes();
        }

        @Override
        public int tensorPassStride(TensorInfo t, int pass) {
            return selectionFor(t).samplingPass() ? TiesSelection.SAMPLE_STRIDE : 1;
        }

        @Override
        public void observe(PrePass pass, TensorChunk chunk) {
            TiesSelection s = selectionFor(chunk.tensor());
            if (!s.ready()) {
                s.observe(chunk.base(), chunk.models(), chunk.count());
            }
        }

        @Override
        public void endPass(PrePass pass) {
            TiesSelection s = selectionFor(((PrePass.OverTensor) pass).tensor());
            if (!s.ready()) {
                s.endPass();
            }
        }

        @Override
        public void merge(TensorChunk chunk, float[] out) {
            TiesSelection s = selectionFor(chunk.tensor());
            s.disjointMerge(chunk.base(), chunk.models(), chunk.count(), mean, out);
            addScaledToBase(chunk.base(), out, chunk.count(), lambda);
        }
    }
}
