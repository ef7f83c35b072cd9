package io.adamerge.model.bert;

import io.adamerge.onnx.BertImportWriter;
import io.adamerge.onnx.BertOnnxImport;
import io.adamerge.onnx.BuiltinBert;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The builtin models imported once per test JVM (the import reads and converts 90–130 MB of ONNX). */
final class ImportedBert {
    private static final Map<BuiltinBert, Path> DIRS = new EnumMap<>(BuiltinBert.class);
    private static Path root;

    private ImportedBert() {
    }

    static synchronized Path directory(BuiltinBert builtin) {
        return DIRS.computeIfAbsent(builtin, b -> {
            BertOnnxImport.Result imported = BertOnnxImport.convert(b.readOnnx());
            Path dir = root().resolve(b.id());
            BertImportWriter.write(imported, dir, b.tokenizerJson(), b.pooling(), b.maxSeqLength(), Map.of("format", "pt"), List.of());
            return dir;
        });
    }

    private static Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("adamerge-bert-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> walk = Files.walk(r)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory: best effort
                }
            }));
        }
        return root;
    }
}
