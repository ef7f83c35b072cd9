package io.adamerge.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** Where a zoo keeps its files, and the small file operations building it needs (temp file + rename). */
public final class ZooFiles {
    public static final String MANIFEST = "zoo.json";
    public static final String RECIPE = "recipe.yaml";
    public static final String PRETRAINED = "pretrained";
    public static final String MULTITASK = "mtl";
    public static final String CARD = "card.json";
    public static final String HEAD = "head.safetensors";
    public static final String HEAD_CARD = "head.json";
    public static final String PREPROCESSOR = "preprocessor_config.json";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ZooFiles() {
    }

    /** Writes {@code value} as indented JSON through a temporary file renamed into place. */
    public static void writeJson(Path target, Object value) {
        try {
            writeString(target, JSON.writeValueAsString(value) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes what {@code contents} puts into a stream, the same way: nobody ever sees a half-written {@code target}. */
    public static void write(Path target, Contents contents) {
        io.adamerge.io.AtomicFiles.write(target, contents::writeTo);
    }

    /** The bytes of a file, written to a stream. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The card at {@code file}, or empty when it is missing or unreadable (then the result is rebuilt). */
    public static Optional<ModelCard> readCard(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ModelCard.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A card whose key is {@code key} and whose files all exist next to it. */
    static Optional<ModelCard> cached(Path cardFile, String key) {
        return readCard(cardFile).filter(c -> key.equals(c.key()))
                .filter(c -> c.files() != null && c.files().stream().allMatch(f -> Files.isRegularFile(cardFile.resolveSibling(f))));
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            MessageDigest md = ((DigestInputStream) in).getMessageDigest();
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Hugging Face image-processor config saying how pixels are normalised. */
    static void writePreprocessor(Path dir, ZooRecipe.Architecture a, ZooRecipe.Pixels p) {
        var o = JSON.createObjectNode();
        o.put("image_processor_type", "CLIPImageProcessor");
        o.put("do_resize", false);
        o.put("do_center_crop", false);
        o.put("do_convert_rgb", a.channels() == 3);
        o.put("do_rescale", true);
        o.put("rescale_factor", 1.0 / 255);
        o.put("do_normalize", true);
        var mean = o.putArray("image_mean");
        var std = o.putArray("image_std");
        for (int c = 0; c < a.channels(); c++) {
            mean.add(p.mean());
            std.add(p.std());
        }
        o.putObject("size").put("height", a.imageSize()).put("width", a.imageSize());
        writeJson(dir.resolve(PREPROCESSOR), o);
    }
}
