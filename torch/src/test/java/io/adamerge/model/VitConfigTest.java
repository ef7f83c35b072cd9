package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VitConfigTest {
    private static final VitConfig TINY = new VitConfig(32, 8, 3, 64, 2, 4, 128, 32, 1e-5, HiddenAct.QUICK_GELU);

    @Test
    void readsTheReferenceConfig() {
        assertThat(VitConfig.fromJson(Reference.CONFIG)).isEqualTo(TINY);
        assertThat(TINY.numPositions()).isEqualTo(17);
        assertThat(TINY.headDim()).isEqualTo(16);
    }

    @Test
    void readsTheVisionSectionOfAFullClipConfig(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, """
                {"model_type": "clip", "projection_dim": 32,
                 "vision_config": {"image_size": 32, "patch_size": 8, "hidden_size": 64, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "intermediate_size": 128}}""");
        assertThat(VitConfig.fromJson(f)).isEqualTo(TINY);
    }

    @Test
    void jsonRoundTrip(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        new ObjectMapper().writeValue(f.toFile(), VitConfig.vitL14().toJson());
        assertThat(VitConfig.fromJson(f)).isEqualTo(VitConfig.vitL14());
        assertThat(VitConfig.vitB32().toJson().get("architectures").get(0).asText()).isEqualTo("CLIPVisionModelWithProjection");
    }

    @Test
    void bothLayoutsInferTheSameShapeAndTheConfigSuppliesHeads() {
        try (NDManager m = TorchRuntime.newManager()) {
            VitConfig hf = ClipVisionModel.load(Reference.HF, Reference.CONFIG, m).model().config();
            VitConfig oc = ClipVisionModel.load(Reference.OPEN_CLIP, Reference.CONFIG, m).model().config();
            assertThat(hf).isEqualTo(TINY);
            assertThat(oc).isEqualTo(TINY);
            // without a config: width 64 → 64/64 = 1 head, CLIP defaults for the rest
            VitConfig guessed = ClipVisionModel.load(Reference.OPEN_CLIP, null, m).model().config();
            assertThat(guessed).isEqualTo(new VitConfig(32, 8, 3, 64, 2, 1, 128, 32, 1e-5, HiddenAct.QUICK_GELU));
        }
    }

    @Test
    void aConfigThatContradictsTheWeightsIsRejected(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"hidden_size\": 768, \"num_attention_heads\": 12}");
        try (NDManager m = TorchRuntime.newManager()) {
            assertThatThrownBy(() -> ClipVisionModel.load(Reference.HF, f, m)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("bad.json").hasMessageContaining("hidden_size is 768 but the weights say 64");
            Files.writeString(f, "{\"num_attention_heads\": 5}");
            assertThatThrownBy(() -> ClipVisionModel.load(Reference.HF, f, m))
                    .hasMessageContaining("hidden_size 64 is not divisible by num_attention_heads 5");
        }
    }

    @Test
    void invalidShapesAreRejected() {
        assertThatThrownBy(() -> new VitConfig(30, 8, 3, 64, 2, 4, 128, 32, 1e-5, HiddenAct.GELU))
                .hasMessageContaining("image_size 30 is not a multiple of patch_size 8");
        assertThatThrownBy(() -> new VitConfig(32, 8, 3, 64, 0, 4, 128, 32, 1e-5, HiddenAct.GELU))
                .hasMessageContaining("num_hidden_layers must be > 0");
    }
}
