package io.adamerge.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReferenceReadTest {
    static final Path REF = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference").toAbsolutePath().normalize();

    @Test
    void readsTheReferenceTowerWithItsIntegerBuffer() {
        try (Checkpoint c = Checkpoint.open(REF.resolve("vit_hf.safetensors"))) {
            TensorInfo ids = c.info("vision_model.embeddings.position_ids");
            assertThat(ids.dtype()).isEqualTo(DType.I64);
            long[] v = c.file(ids.name()).readLongs(ids.name());
            assertThat(v[v.length - 1]).isEqualTo(v.length - 1);
            TensorInfo patch = c.info("vision_model.embeddings.patch_embedding.weight");
            assertThat(patch.shape()).containsExactly(64, 3, 8, 8);
            assertThat(c.readFloats(patch.name())).hasSize(64 * 3 * 8 * 8);
        }
    }
}
