package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatCodec;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.model.ClipKeys;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedCheckpointTest {
    @TempDir
    Path tmp;

    /** merge_pre re-encoded as F16 (floats) with its I64 buffer, plus an unrelated text-tower tensor. */
    private Path f16Base() {
        Path base = tmp.resolve("base-f16.safetensors");
        try (Checkpoint c = Checkpoint.open(Fixture.DIR.resolve("merge_pre.safetensors"))) {
            List<TensorSpec> specs = new ArrayList<>();
            for (TensorInfo t : c.tensors()) {
                specs.add(new TensorSpec(t.name(), t.dtype().isFloating() ? DType.F16 : t.dtype(), t.shape()));
            }
            specs.add(new TensorSpec("text_model.final_layer_norm.weight", DType.F16, new long[] {4}));
            try (SafetensorsWriter w = new SafetensorsWriter(base, specs, Map.of("format", "pt"))) {
                for (TensorInfo t : c.tensors()) {
                    if (t.dtype().isFloating()) {
                        w.writeFloats(c.readFloats(t.name()));
                    } else {
                        w.writeBytes(c.bytes(t.name()));
                    }
                }
                w.writeFloats(new float[] {1f, 2f, 3f, 4f});
                w.commit();
            }
        }
        return base;
    }

    @Test
    void writesEveryBaseTensorInItsDtypeWithMergedValuesWhereGiven() {
        Path base = f16Base();
        try (NDManager m = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded ft = Fixture.finetuned(1, m);
            Path out = MergedCheckpoint.write(base, ft.weights(), tmp.resolve("out.safetensors"), Map.of("adamerge.method", "x"));
            try (Checkpoint b = Checkpoint.open(base); Checkpoint o = Checkpoint.open(out)) {
                assertThat(o.names()).containsExactlyElementsOf(b.names());
                assertThat(o.metadata()).containsEntry("adamerge.method", "x").containsEntry("format", "pt");
                for (TensorInfo t : b.tensors()) {
                    assertThat(o.info(t.name()).dtype()).isEqualTo(t.dtype());
                }
                assertThat(o.bytes(ClipKeys.POSITION_IDS)).isEqualTo(b.bytes(ClipKeys.POSITION_IDS));
                assertThat(o.readFloats("text_model.final_layer_norm.weight")).containsExactly(1f, 2f, 3f, 4f);
                String k = ClipKeys.layer(0, ClipKeys.FC1_WEIGHT);
                float[] want = ft.weights().get(k).toFloatArray();
                float[] got = o.readFloats(k);
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).isEqualTo(FloatCodec.halfToFloat(FloatCodec.floatToHalf(want[i])));
                }
            }
        }
    }

    @Test
    void aTensorTheBaseLacksFailsAndLeavesNothing() throws IOException {
        Path base = Fixture.DIR.resolve("merge_pre.safetensors");
        try (NDManager m = TorchRuntime.newManager()) {
            NDArray extra = m.zeros(new ai.djl.ndarray.types.Shape(2));
            assertThatThrownBy(() -> MergedCheckpoint.write(base, Map.of("nope", extra), tmp.resolve("o.safetensors"), Map.of()))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("nope");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s).isEmpty();
        }
    }
}
