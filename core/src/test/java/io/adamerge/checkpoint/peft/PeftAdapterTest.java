package io.adamerge.checkpoint.peft;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.merge.MergeExecutor;
import io.adamerge.merge.MergeJob;
import io.adamerge.taskvector.ModelSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A PEFT adapter written by hand in PEFT's layout (keys {@code base_model.model.<module>.lora_A.weight}, factors
 * [r, in] and [out, r], {@code lora_embedding_A/B} for an embedding, {@code adapter_config.json}) over a tiny base;
 * every expected update below is worked out by hand from the factors.
 */
class PeftAdapterTest {
    @TempDir
    Path tmp;

    static final float[] Q = {0.5f, -1f, 2f, 0.25f, -0.5f, 1f};     // enc.q.weight [3, 2]
    static final float[] Q_BIAS = {0.1f, 0.2f, 0.3f};                 // enc.q.bias [3]
    static final float[] EMB = {1, 2, 3, 4, 5, 6, 7, 8};              // emb.word_embeddings.weight [4, 2]
    static final float[] NORM = {1, 1};                               // norm.weight [2]

    // r 2, lora_alpha 4 → scale 2; A [2, 2] = [[1, 2], [0, 1]], B [3, 2] = [[1, 0], [0, 1], [1, 1]]
    // B·A = [[1, 2], [0, 1], [1, 3]] → ΔW = 2·B·A
    static final float[] DELTA_Q = {2, 4, 0, 2, 2, 6};
    // rank_pattern gives the embedding rank 1 → scale 4/1; A [1, 4] = [[1, 2, 3, 4]], B [2, 1] = [[1], [-1]]
    // B·A = [[1, 2, 3, 4], [-1, -2, -3, -4]]; PEFT's embedding update is (B·A)ᵀ·scale, [4, 2]
    static final float[] DELTA_EMB = {4, -4, 8, -8, 12, -12, 16, -16};

    Path base() {
        Path p = tmp.resolve("base.safetensors");
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("enc.q.weight", FloatTensor.of(Q.clone(), 3, 2));
        t.put("enc.q.bias", FloatTensor.of(Q_BIAS.clone(), 3));
        t.put("emb.word_embeddings.weight", FloatTensor.of(EMB.clone(), 4, 2));
        t.put("norm.weight", FloatTensor.of(NORM.clone(), 2));
        SafetensorsWriter.write(p, t, Map.of());
        return p;
    }

    Path adapter(String name, String extraConfig, Map<String, FloatTensor> extraTensors) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("base_model.model.enc.q.lora_A.weight", FloatTensor.of(new float[]{1, 2, 0, 1}, 2, 2));
        t.put("base_model.model.enc.q.lora_B.weight", FloatTensor.of(new float[]{1, 0, 0, 1, 1, 1}, 3, 2));
        t.put("base_model.model.emb.word_embeddings.lora_embedding_A", FloatTensor.of(new float[]{1, 2, 3, 4}, 1, 4));
        t.put("base_model.model.emb.word_embeddings.lora_embedding_B", FloatTensor.of(new float[]{1, -1}, 2, 1));
        t.putAll(extraTensors);
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(dir.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q", "word_embeddings"],
                 "rank_pattern": {"word_embeddings": 1}, "alpha_pattern": {}, "lora_dropout": 0.0,
                 "fan_in_fan_out": false, "use_rslora": false, "use_dora": false, "modules_to_save": null,
                 "bias": "none", "base_model_name_or_path": "tiny" %s}
                """.formatted(extraConfig));
        return dir;
    }

    @Test
    void taskVectorIsScaledBTimesAOnAdaptedMatricesAndZeroElsewhere() throws Exception {
        try (ModelSet set = ModelSet.open(base(), List.of(adapter("a", "", Map.of())), false)) {
            assertThat(set.taskVector(0, "enc.q.weight")).containsExactly(DELTA_Q);
            assertThat(set.taskVector(0, "emb.word_embeddings.weight")).containsExactly(DELTA_EMB);
            assertThat(set.taskVector(0, "enc.q.bias")).containsOnly(0f);
            assertThat(set.taskVector(0, "norm.weight")).containsOnly(0f);
            // the model itself is W + ΔW, read whole and in chunks
            Checkpoint model = set.models().get(0);
            float[] q = model.readFloats("enc.q.weight");
            for (int i = 0; i < Q.length; i++) {
                assertThat(q[i]).isEqualTo(Q[i] + DELTA_Q[i]);
            }
            float[] part = new float[3];
            model.readFloats("emb.word_embeddings.weight", 4, part, 0, 3);
            assertThat(part).containsExactly(EMB[4] + DELTA_EMB[4], EMB[5] + DELTA_EMB[5], EMB[6] + DELTA_EMB[6]);
        }
    }

    @Test
    void rsLoraScalesByAlphaOverRootRank() throws Exception {
        Path dir = adapter("rs", "", Map.of());
        Files.writeString(dir.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json"))
                .replace("\"use_rslora\": false", "\"use_rslora\": true"));
        try (ModelSet set = ModelSet.open(base(), List.of(dir), false)) {
            // alpha 4 / √2 instead of 4 / 2: ΔW = (4/√2)·B·A = √2 · DELTA_Q
            float[] q = set.taskVector(0, "enc.q.weight");
            for (int i = 0; i < q.length; i++) {
                assertThat((double) q[i]).isCloseTo(Math.sqrt(2) * DELTA_Q[i], org.assertj.core.data.Offset.offset(1e-6));
            }
            // rank 1: √1 = 1, the same as plain LoRA
            assertThat(set.taskVector(0, "emb.word_embeddings.weight")).containsExactly(DELTA_EMB);
        }
    }

    @Test
    void aMergeOfAnAdapterEqualsTheMergeOfItsMaterialisedModel() throws Exception {
        Path base = base();
        Path adapter = adapter("a", "", Map.of());
        Path full = tmp.resolve("full.safetensors");
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        float[] q = Q.clone();
        float[] emb = EMB.clone();
        for (int i = 0; i < q.length; i++) {
            q[i] += DELTA_Q[i];
        }
        for (int i = 0; i < emb.length; i++) {
            emb[i] += DELTA_EMB[i];
        }
        t.put("enc.q.weight", FloatTensor.of(q, 3, 2));
        t.put("enc.q.bias", FloatTensor.of(Q_BIAS.clone(), 3));
        t.put("emb.word_embeddings.weight", FloatTensor.of(emb, 4, 2));
        t.put("norm.weight", FloatTensor.of(NORM.clone(), 2));
        SafetensorsWriter.write(full, t, Map.of());
        MergeExecutor executor = MergeExecutor.withDiscoveredMethods();
        for (String method : List.of("task_arithmetic", "ties")) {
            Path fromAdapter = tmp.resolve(method + "-adapter.safetensors");
            Path fromFull = tmp.resolve(method + "-full.safetensors");
            executor.run(MergeJob.of(method, base, List.of(adapter, full), fromAdapter).withChunkElements(3));
            executor.run(MergeJob.of(method, base, List.of(full, full), fromFull).withChunkElements(3));
            try (Checkpoint a = Checkpoint.open(fromAdapter); Checkpoint f = Checkpoint.open(fromFull)) {
                for (String name : f.names()) {
                    assertThat(a.readFloats(name)).as(method + " " + name).containsExactly(f.readFloats(name));
                }
            }
        }
        assertThat(Files.readAllBytes(adapter.resolve("adapter_model.safetensors"))).isNotEmpty();
    }

    @Test
    void refusesWhatItDoesNotSupportNamingTheCulprit() throws Exception {
        Path base = base();
        assertThatThrownBy(() -> ModelSet.open(null, List.of(adapter("nobase", "", Map.of())), false))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("nobase").hasMessageContaining("base");
        Path doraConfig = adapter("dora", "", Map.of());
        Files.writeString(doraConfig.resolve("adapter_config.json"), Files.readString(doraConfig.resolve("adapter_config.json"))
                .replace("\"use_dora\": false", "\"use_dora\": true"));
        assertThatThrownBy(() -> ModelSet.open(base, List.of(doraConfig), false))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("DoRA").hasMessageContaining("use_dora");
        Path doraTensor = adapter("dora2", "", Map.of("base_model.model.enc.q.lora_magnitude_vector", FloatTensor.of(new float[]{1, 1, 1}, 3)));
        assertThatThrownBy(() -> ModelSet.open(base, List.of(doraTensor), false))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("DoRA").hasMessageContaining("lora_magnitude_vector");
        Path rank = adapter("rank", "", Map.of());
        Files.writeString(rank.resolve("adapter_config.json"), Files.readString(rank.resolve("adapter_config.json"))
                .replace("{\"word_embeddings\": 1}", "{}"));
        assertThatThrownBy(() -> ModelSet.open(base, List.of(rank), false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("word_embeddings").hasMessageContaining("rank 1");
        Path saves = adapter("saves", "", Map.of());
        Files.writeString(saves.resolve("adapter_config.json"), Files.readString(saves.resolve("adapter_config.json"))
                .replace("\"modules_to_save\": null", "\"modules_to_save\": [\"encoder\"]"));
        assertThatThrownBy(() -> ModelSet.open(base, List.of(saves), false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("modules_to_save");
        Path other = tmp.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of("enc.q.weight", FloatTensor.of(new float[8], 4, 2),
                "emb.word_embeddings.weight", FloatTensor.of(new float[8], 4, 2)), Map.of());
        assertThatThrownBy(() -> ModelSet.open(other, List.of(adapter("a2", "", Map.of())), false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("does not fit").hasMessageContaining("enc.q.weight");
        Path ia3 = adapter("ia3", "", Map.of());
        Files.writeString(ia3.resolve("adapter_config.json"), Files.readString(ia3.resolve("adapter_config.json"))
                .replace("\"LORA\"", "\"IA3\""));
        assertThatThrownBy(() -> ModelSet.open(base, List.of(ia3), false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("IA3");
        Path nan = adapter("nan", "", Map.of());
        SafetensorsWriter.write(nan.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.enc.q.lora_A.weight", FloatTensor.of(new float[]{1, Float.NaN, 0, 1}, 2, 2),
                "base_model.model.enc.q.lora_B.weight", FloatTensor.of(new float[6], 3, 2)), Map.of());
        try (ModelSet set = ModelSet.open(base, List.of(nan), false)) {
            assertThatThrownBy(() -> set.taskVector(0, "enc.q.weight")).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("lora_A").hasMessageContaining("NaN");
        }
    }

    @Test
    void headsSavedWholeAreLeftOutAndTrainedBiasesOverride() throws Exception {
        Path dir = adapter("bias", "", Map.of(
                "base_model.model.enc.q.bias", FloatTensor.of(new float[]{0.6f, 0.2f, -0.7f}, 3),
                "base_model.model.classifier.modules_to_save.weight", FloatTensor.of(new float[]{1, 2}, 1, 2)));
        Files.writeString(dir.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json"))
                .replace("\"bias\": \"none\"", "\"bias\": \"all\"").replace("\"modules_to_save\": null", "\"modules_to_save\": [\"classifier\"]"));
        try (ModelSet set = ModelSet.open(base(), List.of(dir), false)) {
            assertThat(set.taskVector(0, "enc.q.bias")).containsExactly(0.6f - 0.1f, 0.2f - 0.2f, -0.7f - 0.3f);
            assertThat(set.template().names()).doesNotContain("classifier.weight");
        }
    }
}
