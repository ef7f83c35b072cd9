package io.adamerge.data.text.read;

import io.adamerge.data.DataException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Shared helpers of the text readers: whole-file reads, gunzip, strict UTF-8 with the offending byte's offset. */
public final class TextFiles {
    private static final java.util.regex.Pattern WHITE_SPACE = java.util.regex.Pattern.compile("\\s+");
    private TextFiles() {
    }

    /** The bytes of {@code file}; a missing or unreadable file is a {@link DataException} naming it. */
    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataException(file, "no such file");
        } catch (IOException e) {
            throw new DataException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** {@code bytes} gunzipped when they start with the gzip magic, else unchanged. */
    public static byte[] gunzipIfNeeded(Path file, byte[] bytes) {
        if (bytes.length < 2 || (bytes[0] & 0xff) != 0x1f || (bytes[1] & 0xff) != 0x8b) {
            return bytes;
        }
        return gunzip(file, bytes);
    }

    /** Gunzips {@code bytes} (dictzip files are gzip files too); corrupt data is a {@link TextFormatException}. */
    public static byte[] gunzip(Path file, byte[] bytes) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new TextFormatException(file, "gzip stream", "truncated", e);
        } catch (ZipException e) {
            throw new TextFormatException(file, "gzip stream", "corrupt (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new TextFormatException(file, "gzip stream", "cannot decompress (" + e.getMessage() + ")", e);
        }
    }

    /** Strict UTF-8 decoding: invalid bytes are an error naming their offset, never silently replaced. */
    public static String utf8(Path file, byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return d.decode(in).toString();
        } catch (MalformedInputException e) {
            throw new TextFormatException(file, "byte " + in.position(), "not UTF-8");
        } catch (CharacterCodingException e) {
            throw new TextFormatException(file, "byte " + in.position(), "not UTF-8 (" + e + ")");
        }
    }

    /** Collapses runs of white space into one space and trims. */
    public static String squeeze(String s) {
        return WHITE_SPACE.matcher(s).replaceAll(" ").strip();
    }
}
