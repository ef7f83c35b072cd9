package io.adamerge.data.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitFilesTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripKeepsPixelsLabelsClassesAndShapes() {
        ImageDataset d = new ImageDataset("toy/test", new ImageSpec(3, 4, 5), pixels(3 * 3 * 4 * 5),
                new int[] {2, 0, 1}, List.of("a", "b", "c"));
        Path f = tmp.resolve("toy.safetensors");
        SplitFiles.write(d, f, Map.of("task", "toy"));
        assertThat(SplitFiles.read(f)).isEqualTo(d);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.info(SplitFiles.PIXELS).shape()).containsExactly(3, 3, 4, 5);
            assertThat(s.info(SplitFiles.LABELS).dtype().name()).isEqualTo("I64");
            assertThat(s.readLongs(SplitFiles.LABELS)).containsExactly(2, 0, 1);
            assertThat(s.metadata()).containsEntry("task", "toy").containsEntry("classes", "[\"a\",\"b\",\"c\"]");
        }
    }

    private static float[] pixels(int n) {
        float[] px = new float[n];
        for (int i = 0; i < n; i++) {
            px[i] = i / (float) n;
        }
        return px;
    }

    @Test
    void filesWithoutTheExpectedTensorsAreReportedByName() throws IOException {
        Path f = tmp.resolve("weights.safetensors");
        SafetensorsWriter.write(f, Map.of("weight", FloatTensor.of(new float[] {1, 2}, 2)), Map.of());
        assertThatThrownBy(() -> SplitFiles.read(f)).isInstanceOf(DataException.class).hasMessageContaining(f.toString())
                .hasMessageContaining("pixel_values");
        Path junk = Files.writeString(tmp.resolve("junk.safetensors"), "not safetensors");
        assertThatThrownBy(() -> SplitFiles.read(junk)).isInstanceOf(DataException.class).hasMessageContaining(junk.toString());
    }
}
