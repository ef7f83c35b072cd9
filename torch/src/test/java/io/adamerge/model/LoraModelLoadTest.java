package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.peft.LoraExtraction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A PEFT LoRA adapter loads as a vision tower wherever a fine-tuned checkpoint does (AdaMerging, Fisher, RegMean):
 * its weights are the base's, with B·A added to the adapted matrices, read through the same overlay the merges use.
 */
class LoraModelLoadTest {
    static final Path REF = Path.of("..", "..", "shared", "reference");

    @TempDir
    Path tmp;

    @Test
    void anAdapterLoadsAsTheBasePlusItsUpdate() {
        Path pre = REF.resolve("merge_pre.safetensors");
        Path ft = REF.resolve("merge_ft_1.safetensors");
        Path adapter = tmp.resolve("adapter");
        try (Checkpoint b = Checkpoint.open(pre); Checkpoint m = Checkpoint.open(ft)) {
            LoraExtraction.extract(b, m, 4, null, adapter, pre.toString(), false);
        }
        try (NDManager manager = TorchRuntime.newManager();
             Checkpoint base = Checkpoint.open(pre);
             Checkpoint viaOverlay = io.adamerge.taskvector.ModelSet.openModel(adapter, pre)) {
            ClipVisionModel.Loaded basis = ClipVisionModel.load(pre, null, manager);
            ClipVisionModel.Loaded loaded = ClipVisionModel.loadMatching(adapter, pre, null, basis.model(), "the base", manager);
            assertThat(loaded.model().config()).isEqualTo(basis.model().config());
            int adapted = 0;
            for (var e : loaded.weights().entrySet()) {
                String name = e.getKey();
                float[] got = e.getValue().toFloatArray();
                // the same values the streaming merges read from the adapter
                assertThat(got).as(name).containsExactly(viaOverlay.readFloats(name));
                if (!java.util.Arrays.equals(got, base.readFloats(name))) {
                    adapted++;
                    assertThat(basis.weights().get(name).getShape().dimension()).as(name).isEqualTo(2);
                }
            }
            assertThat(adapted).isPositive();
            loaded.weights().values().forEach(NDArray::close);
        }
        assertThatThrownBy(() -> {
            try (NDManager manager = TorchRuntime.newManager()) {
                ClipVisionModel.load(adapter, null, manager);
            }
        }).isInstanceOf(CheckpointException.class).hasMessageContaining("base");
    }
}
