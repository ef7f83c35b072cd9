package io.adamerge.cli.merge;

import io.adamerge.cli.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.TensorInfo;
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

/** {@code adamerge merge} reproduces the PyTorch reference merges, from flags and from YAML. */
class MergeCommandTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> expectedMerges() {
        return Stream.of(
                Arguments.of("weight_average", List.of("--method", "weight_average")),
                Arguments.of("task_arithmetic_0.3", List.of("--method", "task_arithmetic", "--lambda", "0.3")),
                Arguments.of("ties_20_sum_0.3", List.of("--method", "ties", "--density", "0.2", "--lambda", "0.3",
                        "--ties-scope", "global", "--ties-merge", "sum")),
                Arguments.of("ties_20_mean_0.3", List.of("--method", "ties", "--density", "0.2", "--lambda", "0.3",
                        "--ties-merge", "mean")));
    }

    private List<String> inputs() {
        List<String> args = new ArrayList<>(List.of("--base", ExpectedMerges.PRE.toString(), "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        return args;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expectedMerges")
    void flagsReproduceTheReference(String prefix, List<String> methodArgs) {
        Path out = tmp.resolve(prefix + ".safetensors");
        List<String> args = new ArrayList<>(List.of("merge", "--no-progress"));
        args.addAll(methodArgs);
        args.addAll(inputs());
        args.addAll(List.of("--out", out.toString()));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("wrote " + out.toAbsolutePath());
        try (Checkpoint merged = Checkpoint.open(out)) {
            ExpectedMerges.assertMatches(merged, prefix);
            assertThat(merged.metadata()).containsKey("adamerge.parameters");
        }
    }

    @Test
    void yamlConfigInMergekitStyle() throws Exception {
        Path cfg = tmp.resolve("ties.yml");
        Files.writeString(cfg, String.join("\n",
                "merge_method: ties",
                "base_model: " + ExpectedMerges.PRE,
                "models:",
                "  - model: " + ExpectedMerges.PRE + "   # mergekit lists the base too; it is left out",
                "  - model: " + ExpectedMerges.FINE_TUNED.get(0),
                "    parameters: {density: 0.2}",
                "  - model: " + ExpectedMerges.FINE_TUNED.get(1),
                "    parameters:",
                "      density: 0.2",
                "  - model: " + ExpectedMerges.FINE_TUNED.get(2),
                "parameters:",
                "  lambda: 0.3",
                "  scope: global",
                "  merge: mean",
                "dtype: float32",
                "out: " + tmp.resolve("from-yaml.safetensors"),
                ""));
        CliRun run = CliRun.of("merge", "--no-progress", cfg.toString());
        assertThat(run.code()).as(run.err()).isZero();
        try (Checkpoint merged = Checkpoint.open(tmp.resolve("from-yaml.safetensors"))) {
            ExpectedMerges.assertMatches(merged, "ties_20_mean_0.3");
        }
    }

    @Test
    void yamlWithPositionalOutputAndFlagOverride() throws Exception {
        Path cfg = tmp.resolve("ta.yml");
        Files.writeString(cfg, "merge_method: task_arithmetic\nbase_model: " + ExpectedMerges.PRE + "\nmodels:\n"
                + ExpectedMerges.FINE_TUNED.stream().map(p -> "  - model: " + p + "\n    parameters: {lambda: 0.9}\n")
                .reduce("", String::concat));
        Path out = tmp.resolve("ta.safetensors");
        CliRun run = CliRun.of("merge", "--no-progress", cfg.toString(), out.toString(), "--lambda", "0.3");
        assertThat(run.code()).as(run.err()).isZero();
        try (Checkpoint merged = Checkpoint.open(out)) {
            ExpectedMerges.assertMatches(merged, "task_arithmetic_0.3");
        }
    }

    @Test
    void perModelLambdaListEqualToTheScalar() {
        Path out = tmp.resolve("ta-list.safetensors");
        List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--method", "task_arithmetic",
                "--lambda", "0.3,0.3,0.3"));
        args.addAll(inputs());
        args.addAll(List.of("--out", out.toString()));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        try (Checkpoint merged = Checkpoint.open(out)) {
            ExpectedMerges.assertMatches(merged, "task_arithmetic_0.3");
        }
    }

    @Test
    void huggingFaceDirectoryInShardedOutWithConfigAndDtype() throws Exception {
        Path baseDir = tmp.resolve("pre-hf");
        Files.createDirectories(baseDir);
        Files.copy(ExpectedMerges.PRE, baseDir.resolve("model.safetensors"));
        Files.copy(ExpectedMerges.DIR.resolve("vit_config.json"), baseDir.resolve("config.json"));
        Path out = tmp.resolve("merged");
        List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--method", "ties", "--lambda", "0.3",
                "--base", baseDir.toString(), "--models"));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        args.addAll(List.of("--out", out.toString(), "--shard-size", "100KB"));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(out.resolve("config.json")).hasSameTextualContentAs(ExpectedMerges.DIR.resolve("vit_config.json"));
        JsonNode index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        assertThat(index.get("weight_map").size()).isEqualTo(41);
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).allMatch(n -> !n.startsWith("."));
            assertThat(names.stream().filter(n -> n.matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count())
                    .isGreaterThanOrEqualTo(4);
            for (String n : names) {
                if (n.endsWith(".safetensors")) {
                    assertThat(Files.size(out.resolve(n))).isLessThan(100_000 + 10_000);
                }
            }
        }
        try (Checkpoint merged = Checkpoint.open(out)) {
            assertThat(merged.files().size()).isGreaterThan(1);
            ExpectedMerges.assertMatches(merged, "ties_20_sum_0.3");
        }

        // the same merge in bfloat16: every floating tensor is BF16, position_ids still I64
        Path bf16 = tmp.resolve("merged-bf16.safetensors");
        args.set(args.indexOf(out.toString()), bf16.toString());
        args.addAll(List.of("--dtype", "bfloat16"));
        assertThat(CliRun.of(args.toArray(String[]::new)).code()).isZero();
        try (Checkpoint merged = Checkpoint.open(bf16); Checkpoint f32 = Checkpoint.open(out)) {
            for (TensorInfo t : merged.tensors()) {
                assertThat(t.dtype()).isEqualTo(t.name().endsWith("position_ids") ? DType.I64 : DType.BF16);
            }
            String name = "visual_projection.weight";
            float[] a = merged.readFloats(name);
            float[] b = f32.readFloats(name);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Percentage.withPercentage(0.4));
            }
        }
    }

    @Test
    void listsMethodsAndInspectsAndMeasuresDistances() {
        CliRun list = CliRun.of("merge", "--list-methods");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("weight_average", "task_arithmetic", "ties", "dare", "density", "drop_rate");

        CliRun inspect = CliRun.of("inspect", ExpectedMerges.PRE.toString());
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("41 (40 F32, 1 I64)", "82,688 floating", "vision_model.embeddings.position_ids",
                "[1, 17]");

        List<String> args = new ArrayList<>(List.of("distance", "--no-progress", "--json", "--base",
                ExpectedMerges.PRE.toString()));
        ExpectedMerges.FINE_TUNED.forEach(p -> args.add(p.toString()));
        CliRun distance = CliRun.of(args.toArray(String[]::new));
        assertThat(distance.code()).as(distance.err()).isZero();
        assertThat(distance.out()).contains("\"pairs\"", "\"task_vectors\"", "\"cosine\"");
    }
}
