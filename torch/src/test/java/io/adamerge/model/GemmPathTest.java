package io.adamerge.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GemmPathTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void shimMappedMeansFastPathWithItsOwnCacheTag() throws Exception {
        Path maps = file("maps", "7f00-7f01 r-xp 00000000 08:01 42 /home/u/.cache/adamerge/native/ab/libmklshim.so\n");
        TorchRuntime.GemmPath p = TorchRuntime.GemmPath.detect(maps, file("cpu", "vendor_id\t: AuthenticAMD\n"));
        assertThat(p.name()).isEqualTo("mkl-fast");
        assertThat(p.cacheTag()).isNotEmpty();
    }

    @Test
    void withoutShimTheCacheTagIsEmptySoEarlierCachesStayValid() throws Exception {
        Path maps = file("maps", "7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/libc.so.6\n");
        assertThat(TorchRuntime.GemmPath.detect(maps, file("amd", "vendor_id\t: AuthenticAMD\n")))
                .satisfies(p -> assertThat(p.name()).isEqualTo("mkl-generic"))
                .satisfies(p -> assertThat(p.cacheTag()).isEmpty());
        assertThat(TorchRuntime.GemmPath.detect(maps, file("intel", "vendor_id\t: GenuineIntel\n")).name()).isEqualTo("mkl");
        assertThat(TorchRuntime.GemmPath.detect(dir.resolve("none"), dir.resolve("none2")).name()).isEqualTo("default");
    }

    @Test
    void thisProcessReportsThePathItWasStartedWith() {
        // scripts/test.sh preloads the shim on non-Intel CPUs unless ADAMERGE_FAST_MKL=0; a plain mvn run does not
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        TorchRuntime.GemmPath p = TorchRuntime.gemmPath();
        if (preload.contains("libmklshim.so")) {
            assertThat(p.name()).isEqualTo("mkl-fast");
        } else {
            assertThat(p.name()).isNotEqualTo("mkl-fast");
        }
    }
}
