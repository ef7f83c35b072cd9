package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearInputsTest {
    @Test
    void sameOutputsAsTheTowerAndOneInputPerLinearSite() {
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded tower = ClipVisionModel.load(Fixture.DIR.resolve("vit_hf.safetensors"), Fixture.CONFIG, m);
            float[] px;
            try (Checkpoint io = Checkpoint.open(Fixture.DIR.resolve("vit_io.safetensors"))) {
                px = io.readFloats("pixel_values");
            }
            NDArray pixels = m.create(px, new Shape(4, 3, 32, 32));
            VisionOutput expected = tower.model().forward(tower.weights(), pixels);
            Map<String, long[]> seen = new LinkedHashMap<>();
            VitConfig c = tower.model().config();
            VisionOutput got = LinearInputs.forward(c, tower.weights(), pixels, (site, rows) -> seen.put(site, rows.getShape().getShape()));
            assertThat(got.pooled().toFloatArray()).containsExactly(expected.pooled().toFloatArray());
            assertThat(got.imageEmbeds().toFloatArray()).containsExactly(expected.imageEmbeds().toFloatArray());
            assertThat(seen.keySet()).containsExactlyElementsOf(LinearInputs.sites(LinearInputs.layers(c, true)));
            assertThat(seen.get(LinearInputs.PATCHES)).containsExactly(4L * 16, 3L * 8 * 8);
            assertThat(seen.get("layers.1.activation")).containsExactly(4L * 17, 128);
            assertThat(seen.get(LinearInputs.POOLED)).containsExactly(4, 64);
        }
    }
}
