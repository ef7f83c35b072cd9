package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SklearnDigitsReaderTest {
    @TempDir
    Path tmp;

    private static String row(int pixel, int label) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            b.append(pixel).append(',');
        }
        return b.append(label).toString();
    }

    @Test
    void readsRowsOf64PixelsAndALabel() throws IOException {
        Path f = tmp.resolve("d.csv");
        Files.writeString(f, row(16, 7) + "\n" + row(8, 1) + "\n");
        ImageDataset d = SklearnDigitsReader.read("d", f);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.labels()).containsExactly(7, 1);
        assertThat(d.image(1)).containsOnly(0.5f);
    }

    @Test
    void badRowsAreReportedWithLineNumbers() throws IOException {
        Path f = tmp.resolve("bad.csv");
        Files.writeString(f, row(1, 1) + "\n1,2,3\n");
        assertThatThrownBy(() -> SklearnDigitsReader.read("d", f)).isInstanceOf(DataException.class)
                .hasMessageContaining(f + ": line 2 has 3 columns, expected 65");
        Files.writeString(f, row(17, 1));
        assertThatThrownBy(() -> SklearnDigitsReader.read("d", f)).hasMessageContaining("pixel 17 is outside 0..16");
        Files.writeString(f, row(1, 1).replaceFirst("1", "x"));
        assertThatThrownBy(() -> SklearnDigitsReader.read("d", f)).hasMessageContaining("'x' is not a number");
        Files.writeString(f, "");
        assertThatThrownBy(() -> SklearnDigitsReader.read("d", f)).hasMessageContaining("no rows");
    }

    @Test
    void realDigitsCsvHolds1797Images() {
        Path dir = TestData.require(Source.SKLEARN_DIGITS).locate(Source.SKLEARN_DIGITS);
        ImageDataset d = SklearnDigitsReader.read("uci", dir.resolve("digits.csv.gz"));
        System.out.println("sklearn digits.csv.gz: " + d.size() + " images, per class " + Arrays.toString(d.classCounts()));
        assertThat(d.size()).isEqualTo(1797);
        assertThat(d.spec().height()).isEqualTo(8);
        assertThat(Arrays.stream(d.classCounts()).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(174, 183));
    }
}
