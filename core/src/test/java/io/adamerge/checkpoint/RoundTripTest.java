package io.adamerge.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Write → read → write round-trips element bytes exactly: raw F32/F16/BF16 bytes are decoded to F32 (as merges
 * compute) and encoded back. Every bit pattern but signalling NaNs (whose payload is made quiet, as PyTorch's
 * conversions do) comes back unchanged.
 */
class RoundTripTest {

    @Provide
    Arbitrary<DType> floatTypes() {
        return Arbitraries.of(DType.F32, DType.F16, DType.BF16);
    }

    @Property(tries = 300)
    void decodeThenEncodeKeepsTheBytes(@ForAll("floatTypes") DType dtype, @ForAll @Size(max = 300) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> seeds,
                                       @ForAll boolean negate) throws IOException {
        int n = seeds.size();
        ByteBuffer raw = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : seeds) {
            int bits = negate ? s | 0x80000000 : s;
            switch (dtype) {
                case F32 -> raw.putInt(quiet(bits, 0x7f800000, 0x00400000, 0x80000000));
                case F16 -> raw.putShort((short) quiet(bits & 0xffff, 0x7c00, 0x0200, 0x8000));
                case BF16 -> raw.putShort((short) quiet(bits & 0xffff, 0x7f80, 0x0040, 0x8000));
                default -> throw new AssertionError();
            }
        }
        raw.flip();
        Path dir = Files.createTempDirectory("roundtrip");
        try {
            Path first = dir.resolve("a.safetensors");
            TensorSpec spec = new TensorSpec("t", dtype, new long[] {n});
            try (SafetensorsWriter w = new SafetensorsWriter(first, List.of(spec), Map.of("k", "v"))) {
                w.writeBytes(raw.duplicate());
                w.commit();
            }
            Path second = dir.resolve("b.safetensors");
            try (SafetensorsFile in = SafetensorsFile.open(first);
                 SafetensorsWriter w = new SafetensorsWriter(second, List.of(spec), in.metadata())) {
                float[] values = in.readFloats("t");
                // also through the positioned (streaming) read, in two pieces
                float[] streamed = new float[n];
                ByteBuffer scratch = ByteBuffer.allocateDirect(Math.max(8, n * 4));
                int half = n / 2;
                in.readFloats("t", 0, streamed, 0, half, scratch);
                in.readFloats("t", half, streamed, half, n - half, scratch);
                assertThat(floatBits(streamed)).isEqualTo(floatBits(values));
                w.writeFloats(values);
                w.commit();
            }
            assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** NaN patterns get their quiet bit set (signalling NaNs are not preserved by F32 arithmetic anyway). */
    private static int quiet(int bits, int expMask, int quietBit, int signBit) {
        int mantissa = bits & ~(expMask | signBit);
        boolean nan = (bits & expMask) == expMask && mantissa != 0;
        return nan ? bits | quietBit : bits;
    }

    private static int[] floatBits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
