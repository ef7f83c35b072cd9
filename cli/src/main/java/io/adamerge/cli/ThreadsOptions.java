package io.adamerge.cli;

import io.adamerge.model.TorchRuntime;
import picocli.CommandLine.Option;

/** {@code --threads N}: PyTorch's intra-op threads, for the commands that run models (a picocli mixin). */
final class ThreadsOptions {
    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads (default: one per core); 1 can be faster on a busy machine.")
    Integer threads;

    /** Sets the thread count for the engine; call before it starts (an engine already running keeps its setting). */
    void apply() {
        if (threads == null) {
            return;
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("--threads must be > 0");
        }
        System.setProperty(TorchRuntime.NUM_THREADS, Integer.toString(threads)); // read once, when the engine starts
    }
}
