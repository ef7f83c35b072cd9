package io.adamerge.cli;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Writable copies of the reference fixture, copies with one value changed, and fingerprints of folders. */
public final class TestFiles {
    public static final Path REF = Path.of(System.getProperty("adamerge.shared", "../shared"), "reference")
            .toAbsolutePath().normalize();

    private TestFiles() {
    }

    /** Copies reference files into {@code dir} (writable, so that a command could damage them). */
    public static Path copy(String name, Path dir) {
        try {
            Path to = dir.resolve(name);
            Files.copy(REF.resolve(name), to);
            to.toFile().setWritable(true);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of a safetensors file with element {@code element} of floating tensor {@code tensor} set to {@code value}. */
    public static Path withValue(Path source, Path target, String tensor, int element, float value) {
        try (Checkpoint c = Checkpoint.open(source)) {
            if (!c.has(tensor)) {
                throw new IllegalArgumentException(source + " has no tensor '" + tensor + "'");
            }
            List<TensorSpec> specs = new ArrayList<>();
            for (TensorInfo t : c.tensors()) {
                specs.add(TensorSpec.of(t));
            }
            try (SafetensorsWriter w = new SafetensorsWriter(target, specs, c.metadata())) {
                for (TensorInfo t : c.tensors()) {
                    if (t.name().equals(tensor)) {
                        float[] v = c.readFloats(t.name());
                        v[element] = value;
                        w.writeFloats(v);
                    } else {
                        w.writeBytes(c.bytes(t.name()));
                    }
                }
                w.commit();
            }
        }
        return target;
    }

    /** SHA-256 of every file under {@code dir} (relative path → hash), hidden ones included. */
    public static Map<String, String> fingerprint(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), sha256(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names under {@code dir} that look like temporaries (hidden). */
    public static List<String> hiddenFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
