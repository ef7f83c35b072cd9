package io.adamerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * Starts DJL's PyTorch engine the way adamerge runs it: offline (the native library comes from the
 * {@code pytorch-native-cpu} jar on the classpath, nothing is downloaded) and with as many intra-op and
 * inter-op threads as the machine has cores, unless the standard DJL system properties say otherwise.
 */
public final class TorchRuntime {
    public static final String ENGINE = "PyTorch";
    public static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    public static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    private TorchRuntime() {
    }

    /** The engine, configured on first use; later calls return the same instance. */
    public static synchronized Engine engine() {
        String cores = Integer.toString(Runtime.getRuntime().availableProcessors());
        // read by PtEngine when it starts, so they must be set before the first Engine.getEngine call
        System.getProperties().putIfAbsent(NUM_THREADS, cores);
        System.getProperties().putIfAbsent(NUM_INTEROP_THREADS, cores);
        System.getProperties().putIfAbsent("ai.djl.offline", "true");
        System.getProperties().putIfAbsent("OPT_OUT_TRACKING", "true");
        // with slf4j-simple (the CLI's binding): no CUDA probe warning on CPU-only machines, no engine banner
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "warn");
        return Engine.getEngine(ENGINE);
    }

    /** A new root manager on the engine's default device (CPU here). */
    public static NDManager newManager() {
        Engine engine = engine();
        return NDManager.newBaseManager(engine.defaultDevice(), ENGINE);
    }
}
