package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.TorchRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The data-driven merges of CLIP towers are bit for bit what they were before Fisher and RegMean became
 * family-neutral: the SHA-256 of every merged tensor's float bits, in order, on the shared reference fixture. The
 * digests were recorded by this test on the image-only code (commit 2137cb2) on the default GEMM path; a change here
 * means the image table's fisher and regmean rows change.
 */
class ImageMergesUnchangedTest {
    private static final String REGMEAN = "17b687ac0872fa7fe233b48c541ef97cb75bda454b1706045af0b8d5df12350b";
    private static final String REGMEAN_PATCH_AVERAGE = "bc0beaad333f761f748398482b213d62fa2cbacc4fb70bea4e5b91c481184a48";
    private static final String FISHER = "25d7c469f3053beaf178734bc86a2adca10d3cefbf5a3dbacd00283f122d22ec";

    @Test
    void fisherAndRegMeanOfTheReferenceTowersAreUnchanged() throws Exception {
        try (NDManager m = TorchRuntime.newManager()) {
            DataMergeInput input = Fixture.input(m, 0, 1, 2);
            String regmean = digest(new RegMean(new RegMean.Settings(8, 0.9, 4, 0, true)).merge(input, m));
            String average = digest(new RegMean(new RegMean.Settings(8, 0.5, 3, 1, false)).merge(input, m));
            String fisher = digest(new FisherMerging(new FisherMerging.Settings(6, 0, 1e-8f)).merge(input, m));
            System.out.println("regmean " + regmean + "\nregmean patch average " + average + "\nfisher " + fisher);
            assertThat(regmean).isEqualTo(REGMEAN);
            assertThat(average).isEqualTo(REGMEAN_PATCH_AVERAGE);
            assertThat(fisher).isEqualTo(FISHER);
        }
    }

    private static String digest(Map<String, NDArray> merged) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, NDArray> e : merged.entrySet()) {
            sha.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            float[] v = e.getValue().toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                b.putInt(Float.floatToRawIntBits(f));
            }
            sha.update(b.array());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
