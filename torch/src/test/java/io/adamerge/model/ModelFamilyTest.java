package io.adamerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.data.DataException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The family interface on the CLIP vision tower: registry, layouts from their tables, loading, inputs. */
class ModelFamilyTest {
    /** Float tensors of a PyTorch-written reference file and their shapes. */
    private static Map<String, long[]> storedShapes(Path file) {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(file)) {
            for (TensorInfo t : c.tensors()) {
                if (t.dtype().isFloating()) {
                    out.put(t.name(), t.shape());
                }
            }
        }
        return out;
    }

    @Test
    void theServiceRegistryFindsTheClipFamilyAndDetectsItsCheckpoints() {
        assertThat(ModelFamilies.all()).extracting(ModelFamily::name).contains(ClipVisionFamily.NAME);
        assertThat(ModelFamilies.byName(ClipVisionFamily.NAME)).isEqualTo(ClipVisionFamily.INSTANCE);
        assertThat(ModelFamilies.detect(Reference.HF)).isEqualTo(ClipVisionFamily.INSTANCE);
        assertThat(ModelFamilies.detect(Reference.OPEN_CLIP)).isEqualTo(ClipVisionFamily.INSTANCE);
        Path head = Reference.DIR.resolve("ada_head_0.safetensors");
        assertThatThrownBy(() -> ModelFamilies.detect(head)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("ada_head_0.safetensors").hasMessageContaining("no model of a known family");
        assertThatThrownBy(() -> ModelFamilies.byName("gpt")).hasMessageContaining("no model family 'gpt'");
    }

    @Test
    void layoutShapesFromTheTablesAreThoseTheReferenceFilesStore() {
        try (NDManager m = TorchRuntime.newManager()) {
            for (Path file : new Path[] {Reference.HF, Reference.OPEN_CLIP}) {
                ModelFamily.Loaded loaded = ModelFamilies.load(file, Reference.CONFIG, m);
                Encoder encoder = loaded.encoder();
                Map<String, long[]> stored = storedShapes(file);
                Map<String, long[]> derived = encoder.parameterShapes();
                assertThat(derived.keySet()).as("%s", file).containsExactlyInAnyOrderElementsOf(stored.keySet());
                derived.forEach((name, shape) -> assertThat(shape).as("%s %s", file, name).containsExactly(stored.get(name)));
                assertThat(encoder.layout().recognises(stored.keySet())).isTrue();
                assertThat(encoder.family().layouts().contains(encoder.layout())).isTrue();
                assertThat(encoder.embeddingDim()).isEqualTo(32);
            }
        }
    }

    @Test
    void bothLayoutsConvertToEachOtherExactly() {
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded hf = ClipVisionModel.load(Reference.HF, Reference.CONFIG, m);
            ClipVisionModel.Loaded oc = ClipVisionModel.load(Reference.OPEN_CLIP, Reference.CONFIG, m);
            VitConfig c = hf.model().config();
            Map<String, NDArray> toOpenClip = ClipLayout.OPEN_CLIP.fromCanonical(hf.weights(), c, m);
            Map<String, NDArray> back = ClipLayout.OPEN_CLIP.toCanonical(oc.weights(), c, m);
            // the two reference files hold the same function: the same numbers, stored differently
            oc.weights().forEach((name, a) -> assertThat(toOpenClip.get(name).toFloatArray()).as(name).containsExactly(a.toFloatArray()));
            hf.weights().forEach((name, a) -> assertThat(back.get(name).toFloatArray()).as(name).containsExactly(a.toFloatArray()));
            assertThat(ClipLayout.HUGGING_FACE.toCanonical(hf.weights(), c, m)).isEqualTo(hf.weights());
        }
    }

    @Test
    void examplesThatDoNotFitAreNamed() {
        ClipVisionModel model = new ClipVisionModel(new VitConfig(32, 8, 3, 64, 1, 1, 128, 0, 1e-5, HiddenAct.GELU),
                ClipLayout.HUGGING_FACE);
        Examples grey = new Examples() {
            @Override
            public String source() {
                return "grey.safetensors";
            }

            @Override
            public int count() {
                return 2;
            }

            @Override
            public Batch select(int[] indices, NDManager manager) {
                return new PixelBatch(manager.zeros(new ai.djl.ndarray.types.Shape(indices.length, 1, 32, 32)));
            }
        };
        assertThatThrownBy(() -> model.checkFits(grey)).isInstanceOf(DataException.class)
                .hasMessageContaining("grey.safetensors: images are 1x32x32 but the model takes 3x32x32");
        try (NDManager m = TorchRuntime.newManager()) {
            ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(2, 5);
            Batch tokens = new io.adamerge.model.bert.TokenBatch(m.zeros(shape), m.ones(shape), m.zeros(shape));
            assertThatThrownBy(() -> model.embed(Map.of(), tokens)).hasMessageContaining("takes images, got TokenBatch");
        }
    }
}
