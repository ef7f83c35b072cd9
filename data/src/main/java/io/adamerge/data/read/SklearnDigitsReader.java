package io.adamerge.data.read;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads scikit-learn's {@code digits.csv.gz} (UCI Optical Recognition of Handwritten Digits, 8×8): one image
 * per line, 64 integer pixel counts in 0..16 then the digit label.
 */
public final class SklearnDigitsReader {
    private static final int SIDE = 8;
    private static final int COLUMNS = SIDE * SIDE + 1;

    private SklearnDigitsReader() {
    }

    public static ImageDataset read(String name, Path csv) {
        String text = new String(Compressed.readAll(csv), StandardCharsets.US_ASCII);
        String[] lines = text.split("\r?\n");
        int n = 0;
        for (String line : lines) {
            if (!line.isBlank()) {
                n++;
            }
        }
        if (n == 0) {
            throw new DataException(csv, "no rows");
        }
        float[] pixels = new float[n * SIDE * SIDE];
        int[] labels = new int[n];
        int row = 0;
        for (int lineNo = 0; lineNo < lines.length; lineNo++) {
            String line = lines[lineNo];
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            if (cells.length != COLUMNS) {
                throw new DataException(csv, "line " + (lineNo + 1) + " has " + cells.length + " columns, expected " + COLUMNS);
            }
            for (int c = 0; c < COLUMNS; c++) {
                int v;
                try {
                    v = (int) Double.parseDouble(cells[c].trim());
                } catch (NumberFormatException e) {
                    throw new DataException(csv, "line " + (lineNo + 1) + ", column " + (c + 1) + ": '" + cells[c] + "' is not a number");
                }
                if (c < COLUMNS - 1) {
                    if (v < 0 || v > 16) {
                        throw new DataException(csv, "line " + (lineNo + 1) + ", column " + (c + 1) + ": pixel " + v + " is outside 0..16");
                    }
                    pixels[row * SIDE * SIDE + c] = v / 16f;
                } else {
                    if (v < 0 || v > 9) {
                        throw new DataException(csv, "line " + (lineNo + 1) + ": label " + v + " is outside 0..9");
                    }
                    labels[row] = v;
                }
            }
            row++;
        }
        List<String> classes = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        return new ImageDataset(name, new ImageSpec(1, SIDE, SIDE), pixels, labels, classes);
    }
}
