package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightIOTest {

    @Test
    void loadSkipsIntegerBuffersAndKeepsValues() {
        try (NDManager m = TorchRuntime.newManager(); Checkpoint c = Checkpoint.open(Reference.HF)) {
            Map<String, NDArray> w = WeightIO.loadFloatTensors(c, m, n -> true);
            assertThat(w).doesNotContainKey(ClipKeys.POSITION_IDS).hasSize(c.tensors().size() - 1);
            assertThat(w.get(ClipKeys.PATCH_EMBEDDING).toFloatArray()).containsExactly(c.readFloats(ClipKeys.PATCH_EMBEDDING));
            // the loaded array owns writable memory
            w.get(ClipKeys.PATCH_EMBEDDING).muli(2);
            assertThat(w.get(ClipKeys.PATCH_EMBEDDING).toFloatArray()[0]).isEqualTo(2 * c.readFloats(ClipKeys.PATCH_EMBEDDING)[0]);
        }
    }

    @Test
    void hfDirectoryRoundTripCarriesTheConfig(@TempDir Path dir) {
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded original = ClipVisionModel.load(Reference.HF, Reference.CONFIG, m);
            Path out = dir.resolve("tiny-clip");
            Path file = WeightIO.save(original.weights(), out, original.model().config(), Map.of("note", "test"));
            assertThat(file).isEqualTo(out.resolve("model.safetensors"));
            assertThat(out.resolve("config.json")).exists();
            ClipVisionModel.Loaded back = ClipVisionModel.load(out, null, m);
            assertThat(back.model().config()).isEqualTo(original.model().config());
            NDArray pixels = m.create(Reference.read(Reference.IO, "pixel_values"), new Shape(4, 3, 32, 32));
            Reference.assertClose("image_embeds after save/load", back.model().forward(back.weights(), pixels).imageEmbeds().toFloatArray(),
                    Reference.read(Reference.IO, "image_embeds"), 1e-4);
            try (Checkpoint c = Checkpoint.open(file)) {
                assertThat(c.metadata()).containsEntry("note", "test").containsEntry("format", "pt");
            }
            assertThat(dir.toFile().list()).containsExactly("tiny-clip");
            assertThat(out.toFile().list()).containsExactlyInAnyOrder("model.safetensors", "config.json");
        }
    }

    @Test
    void openClipSingleFileRoundTrip(@TempDir Path dir) {
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded original = ClipVisionModel.load(Reference.OPEN_CLIP, Reference.CONFIG, m);
            Path file = WeightIO.save(original.weights(), dir.resolve("visual.safetensors"), null, null);
            assertThat(file).isEqualTo(dir.resolve("visual.safetensors"));
            ClipVisionModel.Loaded back = ClipVisionModel.load(file, Reference.CONFIG, m);
            assertThat(back.model().layout()).isEqualTo(WeightLayout.OPEN_CLIP);
            assertThat(back.weights().get(OpenClipLayout.PROJ).toFloatArray()).containsExactly(original.weights().get(OpenClipLayout.PROJ).toFloatArray());
        }
    }

    @Test
    void halfPrecisionCheckpointsAreWidened(@TempDir Path dir) {
        Path f16 = dir.resolve("f16.safetensors");
        List<TensorSpec> specs = new ArrayList<>();
        try (Checkpoint c = Checkpoint.open(Reference.HF)) {
            for (TensorInfo t : c.tensors()) {
                specs.add(new TensorSpec(t.name(), t.dtype().isFloating() ? DType.F16 : t.dtype(), t.shape()));
            }
            try (SafetensorsWriter w = new SafetensorsWriter(f16, specs, Map.of())) {
                for (TensorInfo t : c.tensors()) {
                    if (t.dtype().isFloating()) {
                        w.writeFloats(c.readFloats(t.name()));
                    } else {
                        w.writeBytes(c.bytes(t.name()));
                    }
                }
                w.commit();
            }
        }
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded half = ClipVisionModel.load(f16, Reference.CONFIG, m);
            NDArray pixels = m.create(Reference.read(Reference.IO, "pixel_values"), new Shape(4, 3, 32, 32));
            // F16 rounding of the weights (relative 2^-11) moves the outputs by about that much
            Reference.assertClose("image_embeds from F16 weights", half.model().forward(half.weights(), pixels).imageEmbeds().toFloatArray(),
                    Reference.read(Reference.IO, "image_embeds"), 1e-2);
        }
    }

    @Test
    void missingAndUnexpectedTensorsAreNamed(@TempDir Path dir) {
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>(ClipVisionModel.load(Reference.HF, Reference.CONFIG, m).weights());
            w.remove(ClipKeys.layer(1, ClipKeys.V_BIAS));
            Path missing = WeightIO.save(w, dir.resolve("missing.safetensors"), null, null);
            assertThatThrownBy(() -> ClipVisionModel.load(missing, Reference.CONFIG, m)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("missing.safetensors").hasMessageContaining("vision_model.encoder.layers.1.self_attn.v_proj.bias");
            w.put(ClipKeys.layer(1, ClipKeys.V_BIAS), m.zeros(new Shape(64)));
            w.put("vision_model.attn_pool.weight", m.zeros(new Shape(4)));
            w.put("text_model.embeddings.token_embedding.weight", m.zeros(new Shape(4)));
            Path extra = WeightIO.save(w, dir.resolve("extra.safetensors"), null, null);
            assertThatThrownBy(() -> ClipVisionModel.load(extra, Reference.CONFIG, m))
                    .hasMessageContaining("vision_model.attn_pool.weight").hasMessageNotContaining("text_model");
        }
    }

    @Test
    void notAVisionTowerSaysWhatWasExpected(@TempDir Path dir) throws IOException {
        try (NDManager m = TorchRuntime.newManager()) {
            assertThatThrownBy(() -> ClipVisionModel.load(Reference.DIR.resolve("ada_head_0.safetensors"), null, m))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("not a CLIP vision tower");
            Path nothing = Files.createDirectory(dir.resolve("empty"));
            assertThatThrownBy(() -> ClipVisionModel.load(nothing, null, m)).hasMessageContaining("no *.safetensors");
        }
    }
}
