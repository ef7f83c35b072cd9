package io.adamerge.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, defects 7 and 9: strict UTF-8 and unique names in headers, shard paths confined to the index's folder. */
class StrictHeaderTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] header, int dataBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        out.write(new byte[dataBytes]);
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void invalidUtf8InATensorNameIsRefusedNamingTheFile() throws IOException {
        // "x\xff" and "x\xfe": both would decode to "x\uFFFD" and be merged as one tensor
        byte[] h = ascii("{\"x\u00ff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\u00fe\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
        Path f = file("bad.safetensors", h, 8);
        assertThatThrownBy(() -> SafetensorsFile.open(f).close()).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("not valid UTF-8")
                .hasMessageContaining("offset 3");
    }

    @Test
    void validUtf8NamesStillWork() throws IOException {
        byte[] h = "{\"größe\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        Path f = file("ok.safetensors", h, 4);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.has("größe")).isTrue();
        }
    }

    @Test
    void aTensorNamedTwiceIsRefused() throws IOException {
        byte[] h = ascii("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
        Path f = file("dup.safetensors", h, 8);
        assertThatThrownBy(() -> SafetensorsFile.open(f).close()).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("dup.safetensors").hasMessageContaining("Duplicate field 'w'");
    }

    @Test
    void aShardOutsideTheIndexFolderIsNeverOpened() throws IOException {
        Path model = Files.createDirectory(dir.resolve("model"));
        SafetensorsWriter.write(dir.resolve("outside.safetensors"), Map.of("w", FloatTensor.of(new float[] {1}, 1)), Map.of());
        for (String shard : new String[] {"../outside.safetensors", "../../../etc/passwd", "/etc/passwd", "sub/x.safetensors", ".."}) {
            Path index = Files.writeString(model.resolve("model.safetensors.index.json"),
                    "{\"weight_map\": {\"w\": \"" + shard + "\"}}");
            assertThatThrownBy(() -> Checkpoint.open(index).close()).as(shard).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("not a file name in the index's folder").hasMessageContaining(shard);
        }
        // a shard beside the index is fine
        SafetensorsWriter.write(model.resolve("s1.safetensors"), Map.of("w", FloatTensor.of(new float[] {1}, 1)), Map.of());
        Path index = Files.writeString(model.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"w\": \"s1.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(index)) {
            assertThat(c.names()).containsExactly("w");
        }
    }
}
