package io.adamerge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --zoo DIR}: a built zoo to read, with the default folder every zoo command shares (a picocli mixin). */
final class ZooOptions {
    @Option(names = "--zoo", paramLabel = "DIR",
            description = "Zoo folder (default: $ADAMERGE_ZOO, else ~/.cache/adamerge/zoo, zoo-mkl-fast on the fast oneMKL path; zoo-quick with --quick).")
    Path zoo;

    /** The folder given, else {@link #defaultFolder(boolean)}. */
    Path folder(boolean quick) {
        return zoo != null ? zoo : defaultFolder(quick);
    }

    /** The default zoo folder: {@code $ADAMERGE_ZOO}, else {@code ~/.cache/adamerge/zoo} ({@code zoo-quick} for --quick). */
    static Path defaultFolder(boolean quick) {
        String env = System.getenv("ADAMERGE_ZOO");
        Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "adamerge", "zoo");
        // zoos built on another GEMM path round differently: each path gets its own folder (no tag on the default path)
        String gemm = io.adamerge.model.TorchRuntime.gemmPath().cacheTag();
        if (env == null || env.isBlank()) {
            base = gemm.isEmpty() ? base : base.resolveSibling(base.getFileName() + "-" + gemm);
        }
        return quick ? base.resolveSibling(base.getFileName() + "-quick") : base;
    }
}
