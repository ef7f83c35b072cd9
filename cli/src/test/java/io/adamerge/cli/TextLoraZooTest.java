package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.peft.PeftAdapter;
import io.adamerge.taskvector.ModelSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text zoo's LoRA stage end to end on a small recipe (the quick recipe's fortunes and spam, 12 tokens, 16 texts
 * scored, with a {@code lora} section): the build starts from a copy of the shared {@link TextQuickZoo}, whose stages
 * (pretrained, heads, fine-tunes, MTL) have the same keys under this recipe and are read from their cards, so only the
 * adapters are trained; the adapters
 * are written in PEFT's layout (config fields, key names, [r, in] / [out, r] shapes), read back by {@link PeftAdapter},
 * their materialised task vector is (alpha / r)·B·A computed here by hand, the training moves the model, the
 * demo on {@code --pool lora} scores each adapter as its card did, and a second build only reads cards.
 */
class TextLoraZooTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECIPE = """
            tasks: [fortunes, spam]
            maxTokens: 12
            finetuning: {steps: 2, batch: 4}
            multitask: {steps: 1, batch: 2}
            evaluation: {batch: 16, validationTexts: 16, testTexts: 16}
            lora:
              r: 4
              alpha: 8
              training:
                steps: 12
                batch: 8
                optimizer: {lr: 5.0e-3}
            """;

    @Test
    void loraAdaptersAreTrainedWrittenInPeftLayoutAndMergedAsModels(@TempDir Path tmp) throws IOException {
        TextQuickZoo quick = TextQuickZoo.get();
        Path zoo = quick.copyTo(tmp.resolve("zoo-text")); // the build below writes into the zoo: a copy, never the shared one
        Path recipe = tmp.resolve("lora.yaml");
        Files.writeString(recipe, RECIPE);
        CliRun build = CliRun.of("zoo", "build", "--benchmark", "text", "--out", zoo.toString(), "--recipe", recipe.toString());
        assertThat(build.code()).as(build.err()).isZero();
        assertThat(build.out()).contains("lora fortunes: r 4, alpha 8, 36 modules");

        Path pretrained = zoo.resolve("pretrained");
        for (String task : List.of("fortunes", "spam")) {
            Path dir = zoo.resolve("lora").resolve(task);
            JsonNode config = JSON.readTree(dir.resolve("adapter_config.json").toFile());
            assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
            assertThat(config.path("r").asInt()).isEqualTo(4);
            assertThat(config.path("lora_alpha").asDouble()).isEqualTo(8.0);
            assertThat(config.path("target_modules")).hasSize(4);
            assertThat(config.path("use_dora").asBoolean(true)).isFalse();
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                assertThat(f.tensors()).hasSize(6 * 6 * 2); // six layers × (query, key, value, three dense) × (A, B)
                String q = "base_model.model.encoder.layer.0.attention.self.query";
                assertThat(f.info(q + ".lora_A.weight").shape()).containsExactly(4, 384);
                assertThat(f.info(q + ".lora_B.weight").shape()).containsExactly(384, 4);
                assertThat(f.info("base_model.model.encoder.layer.5.intermediate.dense.lora_B.weight").shape()).containsExactly(1536, 4);
                assertThat(f.info("base_model.model.encoder.layer.5.output.dense.lora_A.weight").shape()).containsExactly(4, 1536);
            }
            try (PeftAdapter adapter = PeftAdapter.open(dir)) {
                assertThat(adapter.modules()).hasSize(36);
                assertThat(adapter.modules()).allSatisfy(m -> assertThat(m.scale()).isEqualTo(2.0));
            }
            // the materialised task vector is (alpha / r)·B·A, and the tensors no module adapts are the base's
            try (Checkpoint model = ModelSet.openModel(dir, pretrained); Checkpoint base = Checkpoint.open(pretrained);
                 SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                for (String module : List.of("encoder.layer.0.attention.self.value", "encoder.layer.3.intermediate.dense")) {
                    float[] a = f.readFloats("base_model.model." + module + ".lora_A.weight");
                    float[] b = f.readFloats("base_model.model." + module + ".lora_B.weight");
                    float[] w = model.readFloats(module + ".weight");
                    float[] w0 = base.readFloats(module + ".weight");
                    int in = a.length / 4;
                    int out = b.length / 4;
                    double maxDelta = 0;
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            double d = 0;
                            for (int k = 0; k < 4; k++) {
                                d += (double) b[o * 4 + k] * a[k * in + i];
                            }
                            d *= 8.0 / 4;
                            maxDelta = Math.max(maxDelta, Math.abs(d));
                            assertThat((double) (w[o * in + i] - w0[o * in + i])).as(module + " [" + o + ", " + i + "]")
                                    .isCloseTo(d, org.assertj.core.data.Offset.offset(1e-6 + 1e-6 * Math.abs(w0[o * in + i])));
                        }
                    }
                    assertThat(maxDelta).as("B moved away from its zero initialisation").isGreaterThan(1e-4);
                }
                for (TensorInfo t : base.tensors()) {
                    if (t.name().contains("LayerNorm") || t.name().endsWith(".bias") || t.name().startsWith("embeddings.")) {
                        assertThat(model.readFloats(t.name())).as(t.name()).isEqualTo(base.readFloats(t.name())); // isEqualTo: Arrays.equals, linear (containsExactly diffs quadratically on 11.7M floats)
                    }
                }
            }
            JsonNode card = JSON.readTree(dir.resolve("card.json").toFile());
            assertThat(card.path("training").path("steps").asInt()).isEqualTo(12);
            assertThat(card.path("training").path("lossCurve")).hasSize(12); // one point per step below 20 steps
        }

        // the merge machinery on the adapters: each adapter's individual row is the accuracy its card measured in training
        Path out = tmp.resolve("demo");
        CliRun demo = CliRun.of("demo", "--benchmark", "text", "--pool", "lora", "--threads", "1", "--zoo", zoo.toString(), "--out",
                out.toString(), "--methods", "pretrained,individual,task_arithmetic",
                "--examples", "16,16"); // the cards score the recipe's 16 test texts
        assertThat(demo.code()).as(demo.err()).isZero();
        assertThat(demo.out()).contains("LoRA adapters");
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        boolean moved = false;
        for (String task : List.of("fortunes", "spam")) {
            double lora = JSON.readTree(zoo.resolve("lora").resolve(task).resolve("card.json").toFile()).path("accuracy").path("test").asDouble();
            assertThat(perTask(results, "individual", task)).as(task).isCloseTo(lora, org.assertj.core.data.Offset.offset(0.01));
            moved |= Math.abs(perTask(results, "individual", task) - perTask(results, "pretrained", task)) > 0.5;
        }
        assertThat(moved).as("a LoRA adapter changes the accuracy of the zero-shot model").isTrue();

        CliRun again = CliRun.of("zoo", "build", "--benchmark", "text", "--out", zoo.toString(), "--recipe", recipe.toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("0 built");
        quick.assertUnchanged();
    }

    @Test
    void theLoraPoolNeedsAdaptersAndTheTextBenchmark(@TempDir Path tmp) throws IOException {
        CliRun image = CliRun.of("demo", "--pool", "lora", "--out", tmp.resolve("o").toString());
        assertThat(image.code()).isNotZero();
        assertThat(image.err()).contains("--pool lora needs --benchmark text");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    private static double perTask(JsonNode results, String row, String task) {
        for (JsonNode r : results.path("rows")) {
            if (r.path("method").asText().equals(row)) {
                return r.path("per_task").path(task).asDouble(Double.NaN);
            }
        }
        throw new AssertionError("no row " + row);
    }
}
