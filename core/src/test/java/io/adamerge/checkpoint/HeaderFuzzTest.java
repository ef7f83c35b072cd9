package io.adamerge.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes the safetensors header parser: whatever the bytes, parsing either succeeds with a layout that tiles the
 * data section, or fails with a {@link CheckpointException}; never another exception.
 */
class HeaderFuzzTest {
    private static final String VALID = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[24,32]},"
            + "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[32,34]}}";

    /** Header bytes and a data-section length. */
    record Case(byte[] header, long dataLength) {
    }

    @Provide
    Arbitrary<Case> headers() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, structured()),
                net.jqwik.api.Tuple.of(4, mutatedValid()),
                net.jqwik.api.Tuple.of(1, randomBytes()));
    }

    /** Headers built from plausible pieces, each piece sometimes wrong. */
    private Arbitrary<Case> structured() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            StringBuilder sb = new StringBuilder("{");
            int entries = r.nextInt(5);
            long offset = 0;
            if (r.nextInt(4) == 0) {
                sb.append("\"__metadata__\":").append(pick(r, "{\"k\":\"v\"}", "{\"k\":1}", "[]", "null", "\"x\"",
                        "{\"a\":{\"b\":\"c\"}}", "{}")).append(entries > 0 ? "," : "");
            }
            for (int i = 0; i < entries; i++) {
                String dtype = pick(r, "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "f32",
                        "F8_E4M3", "C64", "", "Q4");
                int size = switch (dtype.toUpperCase()) {
                    case "F64", "I64" -> 8;
                    case "F32", "I32" -> 4;
                    case "F16", "BF16", "I16" -> 2;
                    default -> 1;
                };
                int dims = r.nextInt(4);
                StringBuilder shape = new StringBuilder("[");
                long numel = 1;
                for (int d = 0; d < dims; d++) {
                    long v = r.nextInt(10) == 0 ? pickLong(r, -1, Long.MAX_VALUE, 1L << 40, 0) : r.nextInt(5);
                    numel *= v;
                    shape.append(d > 0 ? "," : "").append(r.nextInt(30) == 0 ? "1.5" : String.valueOf(v));
                }
                shape.append("]");
                long len = numel * size;
                long begin = r.nextInt(8) == 0 ? offset + r.nextInt(5) - 2 : offset;
                long end = r.nextInt(8) == 0 ? begin + r.nextInt(9) - 4 : begin + len;
                if (r.nextInt(40) == 0) {
                    end = Long.MAX_VALUE;
                }
                sb.append('"').append(r.nextInt(10) == 0 ? "a" : "t" + i).append("\":");
                switch (r.nextInt(25)) {
                    case 0 -> sb.append("[]");
                    case 1 -> sb.append("{\"dtype\":\"F32\",\"shape\":[1]}");
                    case 2 -> sb.append("{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}");
                    case 3 -> sb.append("{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}");
                    case 4 -> sb.append("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}");
                    case 5 -> sb.append("{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}");
                    default -> sb.append("{\"dtype\":\"").append(dtype).append("\",\"shape\":").append(shape)
                            .append(",\"data_offsets\":[").append(begin).append(',').append(end).append("]}");
                }
                if (i + 1 < entries) {
                    sb.append(',');
                }
                offset = Math.max(offset, end);
            }
            sb.append(r.nextInt(30) == 0 ? "" : "}");
            if (r.nextInt(5) == 0) {
                sb.append("    ");
            }
            long dataLength = r.nextInt(6) == 0 ? r.nextInt(100) : Math.max(0, offset + (r.nextInt(6) == 0 ? r.nextInt(5) - 2 : 0));
            return new Case(sb.toString().getBytes(StandardCharsets.UTF_8), dataLength);
        });
    }

    /** A valid header with bytes flipped, inserted, deleted or cut off. */
    private Arbitrary<Case> mutatedValid() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 6)).as((seed, edits) -> {
            Random r = new Random(seed);
            StringBuilder sb = new StringBuilder(VALID);
            for (int e = 0; e < edits && sb.length() > 0; e++) {
                int at = r.nextInt(sb.length());
                String alphabet = "{}[]\",:0123456789-eE.FIBU_ \\u\u00e9\u0000";
                char c = alphabet.charAt(r.nextInt(alphabet.length()));
                switch (r.nextInt(4)) {
                    case 0 -> sb.setCharAt(at, c);
                    case 1 -> sb.insert(at, c);
                    case 2 -> sb.deleteCharAt(at);
                    default -> sb.setLength(at);
                }
            }
            return new Case(sb.toString().getBytes(StandardCharsets.UTF_8), r.nextInt(3) == 0 ? r.nextInt(40) : 34);
        });
    }

    private Arbitrary<Case> randomBytes() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                Arbitraries.longs().between(0, 1000)).as(Case::new);
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static long pickLong(Random r, long... options) {
        return options[r.nextInt(options.length)];
    }

    @Property(tries = 10_000)
    void onlyTheTypedErrorEscapes(@ForAll("headers") Case c) {
        SafetensorsHeader h;
        try {
            h = SafetensorsHeader.parse("fuzz.safetensors", c.header(), c.dataLength());
        } catch (CheckpointException e) {
            assertThat(e.getMessage()).startsWith("fuzz.safetensors: ");
            Statistics.label("outcome").collect("rejected");
            return;
        } catch (Throwable t) {
            fail("parse threw " + t + " for header " + new String(c.header(), StandardCharsets.UTF_8), t);
            return;
        }
        Statistics.label("outcome").collect(h.tensors().isEmpty() ? "accepted, empty" : "accepted");
        // accepted: the tensors tile the data section exactly
        long covered = h.tensors().stream().mapToLong(TensorInfo::byteLength).sum();
        assertThat(covered).isEqualTo(c.dataLength());
        for (TensorInfo t : h.tensors()) {
            assertThat(t.numel() * t.dtype().byteSize()).isEqualTo(t.byteLength());
        }
    }

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("fuzz");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** Whole files: the 8-byte length prefix may lie too; opening and reading every tensor only throws the typed error. */
    @Property(tries = 1_000)
    void wholeFilesOnlyThrowTheTypedError(@ForAll("headers") Case c, @ForAll("lengthLies") long lie) throws IOException {
        ByteBuffer file = ByteBuffer.allocate(8 + c.header().length + (int) Math.min(c.dataLength(), 4096))
                .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(lie == 0 ? c.header().length : c.header().length + lie);
        file.put(c.header());
        Path p = dir.resolve("f.safetensors");
        Files.write(p, file.array());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (TensorInfo t : f.tensors()) {
                if (t.dtype().isFloating()) {
                    f.readFloats(t.name());
                } else {
                    f.readLongs(t.name());
                }
            }
        } catch (CheckpointException e) {
            assertThat(e.getMessage()).contains(p.toString());
        }
    }

    @Provide
    Arbitrary<Long> lengthLies() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs()),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(-8, 8)));
    }

    @Property(tries = 1)
    void theValidHeaderParses(@ForAll("dummy") int ignored) {
        SafetensorsHeader h = SafetensorsHeader.parse("v", VALID.getBytes(StandardCharsets.UTF_8), 34);
        assertThat(h.tensors()).extracting(TensorInfo::name).isEqualTo(List.of("a", "b", "c"));
        assertThat(h.metadata()).containsEntry("format", "pt");
    }

    @Provide
    Arbitrary<Integer> dummy() {
        return Arbitraries.just(0);
    }
}
