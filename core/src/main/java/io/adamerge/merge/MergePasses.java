package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The order in which a {@link MergeRun} sees the inputs — global pre-passes, then per tensor its pre-passes and its
 * merge — shared by the streaming {@link MergeExecutor} and the in-memory {@link InMemoryMerge}, so that a method
 * computes the same values whichever feeds it. Where the chunks come from is a {@link Source}.
 */
final class MergePasses {
    private MergePasses() {
    }

    /** Streams chunks of tensors to a consumer, in order (a {@link ChunkPipeline} over files, or arrays in memory). */
    interface Source {
        /**
         * @param indices     each tensor's index among the floating tensors
         * @param checkFinite whether to scan the values for NaN/Inf
         * @param stride      deliver only every stride-th chunk of the stream (1: all)
         */
        void stream(List<TensorInfo> tensors, int[] indices, boolean checkFinite, int stride, ChunkPipeline.ChunkConsumer consumer);
    }

    /** Reports the end of each tensor of a pre-pass ({@code phase} like "pass 1/2"). */
    interface PassListener {
        void tensorDone(String phase, TensorInfo tensor);
    }

    /** What the global pre-passes did. */
    record PrePassStats(boolean checked, int passes, double readPasses) {
    }

    /** Runs the method's global pre-passes over every floating tensor. */
    static PrePassStats globalPasses(MergeRun run, List<TensorInfo> floats, Source source, PassListener listener) {
        int[] allIndices = IntStream.range(0, floats.size()).toArray();
        boolean checked = false; // NaN/Inf scanned by a full pass already
        int passes = 0;
        double readPasses = 0; // full-pass equivalents read
        for (int p = 0; p < run.globalPasses(); p++) {
            PrePass pass = new PrePass.Global(p);
            String phase = "pass " + (p + 1) + "/" + run.globalPasses();
            int stride = Math.max(1, run.globalPassStride(p));
            source.stream(floats, allIndices, !checked && stride == 1, stride, chunk -> {
                run.observe(pass, chunk);
                if (chunk.start() + chunk.count() == chunk.tensor().numel()) {
                    listener.tensorDone(phase, chunk.tensor());
                }
            });
            run.endPass(pass);
            checked |= stride == 1;
            passes++;
            readPasses += 1.0 / stride;
        }
        return new PrePassStats(checked, passes, readPasses);
    }

    /**
     * Merges every non-empty floating tensor, each after its per-tensor pre-passes; {@code mergeChunk} receives the
     * chunks to merge, in order. Returns the number of per-tensor pre-passes.
     */
    static int mergeTensors(MergeRun run, List<TensorInfo> floats, Source source, boolean checked,
                            ChunkPipeline.ChunkConsumer mergeChunk) {
        int tensorPasses = run.tensorPasses();
        if (tensorPasses == 0) {
            int[] nonEmpty = IntStream.range(0, floats.size()).filter(i -> floats.get(i).numel() > 0).toArray();
            source.stream(IntStream.of(nonEmpty).mapToObj(floats::get).toList(), nonEmpty, !checked, 1, mergeChunk);
            return 0;
        }
        for (int i = 0; i < floats.size(); i++) {
            TensorInfo t = floats.get(i);
            if (t.numel() == 0) {
                continue;
            }
            List<TensorInfo> one = List.of(t);
            int[] index = {i};
            for (int p = 0; p < tensorPasses; p++) {
                PrePass pass = new PrePass.OverTensor(p, t);
                boolean firstRead = !checked && p == 0;
                source.stream(one, index, firstRead, 1, chunk -> run.observe(pass, chunk));
                run.endPass(pass);
            }
            source.stream(one, index, false, 1, mergeChunk);
        }
        return tensorPasses;
    }
}
