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

    /** Work on one chunk; {@code out} is a buffer of the chunk size that travels with the chunk. */
    interface ChunkWork {
        void accept(TensorChunk chunk, float[] out);
    }

    /**
     * Streams chunks of tensors (a {@link ChunkPipeline} over files, or arrays in memory): {@code work} runs on each
     * chunk, possibly on several threads at once, then {@code inOrder} on the same chunk and buffer, one chunk after
     * the other in stream order, on the calling thread. The chunk's arrays are reused once {@code inOrder} returned.
     */
    interface Source {
        /**
         * @param indices     each tensor's index among the floating tensors
         * @param checkFinite whether to scan the values for NaN/Inf
         * @param stride      deliver only every stride-th chunk of the stream (1: all)
         * @param threads     the most threads {@code work} may run on at once
         */
        void stream(List<TensorInfo> tensors, int[] indices, boolean checkFinite, int stride, int threads,
                    ChunkWork work, ChunkWork inOrder);
    }

    private static final ChunkWork NOTHING = (chunk, out) -> {
    };

    /** Reports the end of each tensor of a pre-pass ({@code phase} like "pass 1/2"). */
    interface PassListener {
        void tensorDone(String phase, TensorInfo tensor);
    }

    /** What the global pre-passes did. */
    record PrePassStats(boolean checked, int passes, double readPasses) {
    }

    /** Runs the method's global pre-passes over every floating tensor. */
    static PrePassStats globalPasses(MergeRun run, List<TensorInfo> floats, Source source, int threads,
                                     PassListener listener) {
        int workers = run.concurrent() ? threads : 1;
        int[] allIndices = IntStream.range(0, floats.size()).toArray();
        boolean checked = false; // NaN/Inf scanned by a full pass already
        int passes = 0;
        double readPasses = 0; // full-pass equivalents read
        for (int p = 0; p < run.globalPasses(); p++) {
            PrePass pass = new PrePass.Global(p);
            String phase = "pass " + (p + 1) + "/" + run.globalPasses();
            int stride = Math.max(1, run.globalPassStride(p));
            source.stream(floats, allIndices, !checked && stride == 1, stride, workers,
                    (chunk, out) -> run.observe(pass, chunk), (chunk, out) -> {
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

    /** What the per-tensor passes did: the most passes over one tensor, and the full-read equivalents read. */
    record TensorPassStats(int passes, double readPasses) {
    }

    /**
     * Merges every non-empty floating tensor, each after its per-tensor pre-passes: {@code merge} computes a chunk
     * (on up to {@code threads} threads when the run is {@link MergeRun#concurrent()}), {@code mergedChunk} receives
     * the merged chunks in order. The first pass over a tensor that reads all of it scans it for NaN/Inf (unless
     * {@code checked}).
     */
    static TensorPassStats mergeTensors(MergeRun run, List<TensorInfo> floats, Source source, boolean checked,
                                        int threads, ChunkWork merge, ChunkWork mergedChunk) {
        int workers = run.concurrent() ? threads : 1;
        if (run.tensorPasses() == 0) {
            int[] nonEmpty = IntStream.range(0, floats.size()).filter(i -> floats.get(i).numel() > 0).toArray();
            source.stream(IntStream.of(nonEmpty).mapToObj(floats::get).toList(), nonEmpty, !checked, 1, workers, merge,
                    mergedChunk);
            return new TensorPassStats(0, 0);
        }
        int mostPasses = 0;
        double elementsRead = 0; // by the pre-passes, in full-tensor equivalents weighted by size
        long elements = 0;
        for (int i = 0; i < floats.size(); i++) {
            TensorInfo t = floats.get(i);
            if (t.numel() == 0) {
                continue;
            }
            elements += t.numel();
            List<TensorInfo> one = List.of(t);
            int[] index = {i};
            boolean scanned = checked;
            int p = 0;
            for (; p < run.tensorPasses(t); p++) {
                PrePass pass = new PrePass.OverTensor(p, t);
                int stride = Math.max(1, run.tensorPassStride(t, p));
                source.stream(one, index, !scanned && stride == 1, stride,
                        run.concurrentTensorPass(t, p) ? workers : 1, (chunk, out) -> run.observe(pass, chunk), NOTHING);
                run.endPass(pass);
                scanned |= stride == 1;
                elementsRead += (double) t.numel() / stride;
            }
            mostPasses = Math.max(mostPasses, p);
            source.stream(one, index, !scanned, 1, workers, merge, mergedChunk);
        }
        return new TensorPassStats(mostPasses, elements == 0 ? 0 : elementsRead / elements);
    }
}
