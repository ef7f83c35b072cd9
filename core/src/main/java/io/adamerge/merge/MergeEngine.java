package io.adamerge.merge;

import io.adamerge.io.OutputTarget;
import io.adamerge.merge.config.MergeConfig;

/**
 * A way to run merges other than core's streaming {@link MergeExecutor}: the torch module's data-driven executor
 * (fisher, regmean), and an in-memory executor. Found by {@link Merger#discover()} through
 * {@code META-INF/services/io.adamerge.merge.MergeEngine}; the first engine that {@link #runs} a config runs it, and a
 * data-free method no engine claims is streamed.
 */
public interface MergeEngine {
    /** Whether this engine runs {@code config}'s method, with these options. */
    boolean runs(MergeMethodInfo method, MergeConfig config, Merger.Options options);

    /** Runs the merge onto a checked output. */
    Merger.Result run(MergeMethodInfo method, MergeConfig config, OutputTarget target, Merger.Options options,
                      MergeListener listener);
}
