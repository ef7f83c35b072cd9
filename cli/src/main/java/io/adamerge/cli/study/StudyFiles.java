package io.adamerge.cli.study;

import io.adamerge.zoo.ZooFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Every file of a study report goes through here: written to a temporary file and renamed into place. */
final class StudyFiles {
    private StudyFiles() {
    }

    static void text(Path file, String text) {
        ZooFiles.writeString(file, text);
    }

    static void json(Path file, Object value) {
        ZooFiles.writeJson(file, value);
    }

    /** A CSV table: a header and rows; fields with commas, quotes or line breaks are quoted. */
    static void csv(Path file, List<String> header, List<List<?>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(line(header));
        for (List<?> row : rows) {
            sb.append(line(row));
        }
        text(file, sb.toString());
    }

    private static String line(List<?> fields) {
        return fields.stream().map(StudyFiles::field).collect(Collectors.joining(",")) + "\n";
    }

    private static String field(Object o) {
        String s = o == null ? "" : (o instanceof Double d ? (d.isNaN() ? "NaN" : Double.toString(d)) : o.toString());
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    static void png(Path file, Chart<?, ?> chart) {
        write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    static void png(Path file, BufferedImage image) {
        write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer");
            }
        });
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private static void write(Path target, Writer writer) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "." + target.getFileName() + ".", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    writer.write(out);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
