package io.adamerge.cli.merge;

import io.adamerge.cli.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input gives its error naming the file (and tensor), exit code 1, and no output file. */
class BadInputTest {
    @TempDir
    Path tmp;

    /** A safetensors file from a header text and a data section of {@code dataBytes} bytes (filled with {@code fill}). */
    static byte[] file(String header, int dataBytes, float fill) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        while (b.remaining() >= 4) {
            b.putFloat(fill);
        }
        return b.array();
    }

    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    /** A good pair of tensors: w [2,2] F32 and b [2] F32. */
    static String good() {
        return "{" + entry("w", "F32", "[2,2]", 0, 16) + "," + entry("b", "F32", "[2]", 16, 24) + "}";
    }

    static Stream<Arguments> badFiles() {
        byte[] lengthPastEnd = file(good(), 24, 0.5f);
        ByteBuffer.wrap(lengthPastEnd).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1_000_000);
        return Stream.of(
                Arguments.of("header length past the end", lengthPastEnd, "runs past the end of the file"),
                Arguments.of("header not JSON", file("{\"w\": {\"dtype\": \"F32\", ", 24, 0.5f), "header is not valid JSON"),
                Arguments.of("unknown dtype", file("{" + entry("w", "F33", "[2,2]", 0, 16) + "," + entry("b", "F32", "[2]", 16, 24) + "}", 24, 0.5f),
                        "tensor 'w': unknown dtype 'F33'"),
                Arguments.of("offsets out of bounds", file("{" + entry("w", "F32", "[2,2]", 0, 16) + "," + entry("b", "F32", "[2]", 16, 24) + "}", 20, 0.5f),
                        "tensor 'b': data_offsets [16, 24] out of bounds"),
                Arguments.of("overlapping", file("{" + entry("w", "F32", "[2,2]", 0, 16) + "," + entry("b", "F32", "[2]", 8, 16) + "}", 16, 0.5f),
                        "overlaps tensor"),
                Arguments.of("hole in the data", file("{" + entry("w", "F32", "[2,2]", 0, 16) + "," + entry("b", "F32", "[2]", 20, 28) + "}", 28, 0.5f),
                        "tensors do not cover the data"),
                Arguments.of("trailing bytes", file(good(), 32, 0.5f), "tensors do not cover the data"),
                Arguments.of("shape x dtype != length", file("{" + entry("w", "F32", "[2,3]", 0, 16) + "," + entry("b", "F32", "[2]", 16, 24) + "}", 24, 0.5f),
                        "tensor 'w': shape [2,3] x F32 needs 24 bytes but data_offsets span 16"),
                Arguments.of("keys differ", file("{" + entry("w", "F32", "[2,2]", 0, 16) + "," + entry("c", "F32", "[2]", 16, 24) + "}", 24, 0.5f),
                        "missing 1 ('b'); unexpected 1 ('c')"),
                Arguments.of("shapes differ", file("{" + entry("w", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[2]", 16, 24) + "}", 24, 0.5f),
                        "'w' has shape [4] but [2, 2]"),
                Arguments.of("NaN", file(good(), 24, Float.NaN), "tensor 'w' holds NaN at element 0"),
                Arguments.of("infinity", file(good(), 24, Float.NEGATIVE_INFINITY), "tensor 'w' holds -Infinity at element 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badModelFails(String what, byte[] bad, String message) throws IOException {
        Path base = tmp.resolve("base.safetensors");
        Files.write(base, file(good(), 24, 0.25f));
        Path ok = tmp.resolve("ok.safetensors");
        Files.write(ok, file(good(), 24, 0.75f));
        Path badFile = tmp.resolve("bad.safetensors");
        Files.write(badFile, bad);
        byte[] before = Files.readAllBytes(badFile);
        // one method per kind of pass structure: single pass, global pre-passes, per-tensor pre-passes
        for (List<String> method : List.of(List.of("task_arithmetic"), List.of("ties"),
                List.of("ties", "--ties-scope", "per-tensor"))) {
            String name = String.join("-", method);
            Path out = tmp.resolve("out-" + name + ".safetensors");
            Path outDir = tmp.resolve("out-" + name);
            for (Path target : List.of(out, outDir)) {
                List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--method"));
                args.addAll(method);
                args.addAll(List.of("--base", base.toString(), "--models", ok.toString(), badFile.toString(),
                        "--out", target.toString()));
                CliRun run = CliRun.of(args.toArray(String[]::new));
                assertThat(run.code()).as(what + ": " + run.err()).isEqualTo(1);
                assertThat(run.err()).contains("error: ").contains(badFile.toString()).contains(message);
                assertThat(target).doesNotExist();
                assertThat(leftovers()).as("temporary files left behind").isEmpty();
            }
        }
        assertThat(Files.readAllBytes(badFile)).as("input unchanged").isEqualTo(before);
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    @Test
    void nonFiniteInputMergesWhenAllowed() throws IOException {
        Path base = tmp.resolve("base.safetensors");
        Files.write(base, file(good(), 24, 0.25f));
        Path nan = tmp.resolve("nan.safetensors");
        Files.write(nan, file(good(), 24, Float.NaN));
        Path out = tmp.resolve("out.safetensors");
        CliRun run = CliRun.of("merge", "--no-progress", "--method", "task_arithmetic", "--base", base.toString(),
                "--models", nan.toString(), "--out", out.toString(), "--allow-nonfinite");
        assertThat(run.code()).as(run.err()).isZero();
        try (var c = io.adamerge.checkpoint.Checkpoint.open(out)) {
            assertThat(c.readFloats("w")).containsOnly(Float.NaN);
        }
    }

    @Test
    void badConfigurationFailsBeforeAnyOutput() throws IOException {
        Path base = tmp.resolve("base.safetensors");
        Files.write(base, file(good(), 24, 0.25f));
        Path ft = tmp.resolve("ft.safetensors");
        Files.write(ft, file(good(), 24, 0.5f));
        Path out = tmp.resolve("o.safetensors");
        List<List<String>> cases = List.of(
                List.of("--method", "nope", "unknown merge method 'nope'"),
                List.of("--method", "ties", "--density", "1.5", "parameter 'density' (parameters): 1.5 is outside [0.0, 1.0]"),
                List.of("--method", "task_arithmetic", "--density", "0.2", "unknown parameter 'density'"),
                List.of("--method", "task_arithmetic", "--lambda", "0.1,0.2", "2 values for 1 models"),
                List.of("--method", "ties", "--ties-scope", "everywhere", "is not one of [global, per-tensor]"),
                List.of("--method", "ties", "--dtype", "int8", "dtype must be float32, float16 or bfloat16"));
        for (List<String> c : cases) {
            List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--base", base.toString(), "--models",
                    ft.toString(), "--out", out.toString()));
            args.addAll(c.subList(0, c.size() - 1));
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertThat(run.code()).as(String.join(" ", c)).isEqualTo(1);
            assertThat(run.err()).contains(c.get(c.size() - 1));
            assertThat(out).doesNotExist();
        }
        // the output must not replace an input
        CliRun same = CliRun.of("merge", "--no-progress", "--method", "task_arithmetic", "--base", base.toString(),
                "--models", ft.toString(), "--out", ft.toString());
        assertThat(same.code()).isEqualTo(1);
        assertThat(same.err()).contains("is the input --models").contains("refusing to write onto an input");
        // missing input
        CliRun missing = CliRun.of("merge", "--no-progress", "--method", "task_arithmetic", "--base", base.toString(),
                "--models", tmp.resolve("absent.safetensors").toString(), "--out", out.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("absent.safetensors: no such file or directory");
        // a YAML config with an unsupported key
        Path cfg = tmp.resolve("c.yml");
        Files.writeString(cfg, "merge_method: ties\nbase_model: " + base + "\nmodels:\n  - model: " + ft
                + "\nslices: []\n");
        CliRun yaml = CliRun.of("merge", "--no-progress", cfg.toString(), out.toString());
        assertThat(yaml.code()).isEqualTo(1);
        assertThat(yaml.err()).contains("unsupported key 'slices'");
        assertThat(out).doesNotExist();
    }
}
