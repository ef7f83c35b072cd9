package io.adamerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

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

    /**
     * Which SGEMM kernels libtorch's statically linked oneMKL runs in this process. On CPUs that are not Intel's,
     * oneMKL uses a generic path unless {@code libmklshim.so} (native/mkl-shim, preloaded by the launcher and
     * the test script) is mapped; the two paths round differently, so results and caches carry {@link GemmPath#cacheTag()}.
     */
    public static GemmPath gemmPath() {
        return GemmPath.detect(Path.of("/proc/self/maps"), Path.of("/proc/cpuinfo"));
    }

    /** The GEMM path: a short name for reports and the part of cache keys that tells results of the paths apart. */
    public record GemmPath(String name, String description, String cacheTag) {
        static final String SHIM = "libmklshim.so";

        static GemmPath detect(Path maps, Path cpuinfo) {
            if (contains(maps, SHIM)) {
                return new GemmPath("mkl-fast", "oneMKL with its CPU-specific kernels (vendor check bypassed by " + SHIM
                        + "; ADAMERGE_FAST_MKL=0 turns it off)", "mkl-fast");
            }
            if (contains(cpuinfo, "GenuineIntel")) {
                return new GemmPath("mkl", "oneMKL with its CPU-specific kernels (Intel CPU)", "");
            }
            if (Files.isReadable(cpuinfo)) {
                return new GemmPath("mkl-generic", "oneMKL generic kernels (CPU not Intel's, " + SHIM
                        + " not loaded: run through ./adamerge or scripts/test.sh with a C compiler for the fast path)", "");
            }
            return new GemmPath("default", "the engine's default BLAS path", "");
        }

        private static boolean contains(Path file, String needle) {
            if (!Files.isReadable(file)) {
                return false;
            }
            try (Stream<String> lines = Files.lines(file)) {
                return lines.anyMatch(l -> l.contains(needle));
            } catch (IOException | java.io.UncheckedIOException e) {
                return false;
            }
        }
    }
}
