package io.adamerge.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generic table and plot writers, on a hand-made table. */
class ResultTableTest {
    @TempDir
    Path tmp;

    private static ResultTable table() {
        Map<String, Double> a = new LinkedHashMap<>();
        a.put("t1", 50.0);
        a.put("t,2", 100.0);
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("t1", 12.345);
        b.put("t,2", 0.0);
        return new ResultTable("T", List.of("t1", "t,2"), List.of(new ResultTable.Row("m \"x\"", 75.0, a), new ResultTable.Row("n", 6.1725, b)),
                List.of("a note"), Map.of("seconds", 1.5));
    }

    @Test
    void writesTheThreeFormatsAndReadsTheJsonBack() throws IOException {
        List<Path> files = table().write(tmp, "results");
        assertThat(files).allMatch(Files::isRegularFile);
        assertThat(Files.readAllLines(tmp.resolve("results.csv"))).containsExactly(
                "method,t1,\"t,2\",avg", "\"m \"\"x\"\"\",50.00,100.00,75.00", "n,12.35,0.00,6.17");
        assertThat(Files.readString(tmp.resolve("results.md"))).contains("| method | t1 | t,2 | avg |", "| n | 12.3 | 0.0 | **6.2** |", "a note");
        ResultTable back = ResultTable.readJson(tmp.resolve("results.json"));
        assertThat(back.tasks()).containsExactly("t1", "t,2");
        assertThat(back.rows()).containsExactlyElementsOf(table().rows());
        assertThat(back.extra()).containsKey("seconds");
        assertThat(tmp).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void refusesRowsWithoutEveryTaskAndReservedExtraNames() {
        assertThatThrownBy(() -> new ResultTable("T", List.of("t1", "t2"), List.of(new ResultTable.Row("m", 1, Map.of("t1", 1.0))),
                List.of(), Map.of())).hasMessageContaining("'m'");
        assertThatThrownBy(() -> new ResultTable("T", List.of(), List.of(), List.of(), Map.of("rows", 1))).hasMessageContaining("rows");
    }

    @Test
    void plotsArePngImagesSizedByTheirLabels() throws IOException {
        double[][] values = new double[30][3];
        for (int r = 0; r < 30; r++) {
            values[r] = new double[] {r / 29.0, 0.5, 1 - r / 29.0};
        }
        List<String> rows = java.util.stream.IntStream.range(0, 30).mapToObj(i -> "layer." + i).toList();
        Path heat = Plots.heatmap(tmp.resolve("h.png"), "heat", "task", "layer", List.of("a", "b", "c"), rows, values, 0, 1);
        BufferedImage h = ImageIO.read(heat.toFile());
        assertThat(h).isNotNull();
        assertThat(h.getHeight()).isGreaterThanOrEqualTo(140 + 14 * 30);
        Path bars = Plots.bars(tmp.resolve("b.png"), "bars", "task", "λ", List.of("a", "b"), Map.of("s", new double[] {0.2, 0.4}));
        assertThat(ImageIO.read(bars.toFile())).isNotNull();
        assertThatThrownBy(() -> Plots.bars(tmp.resolve("x.png"), "bars", "task", "λ", List.of("a", "b"), Map.of("s", new double[] {1})))
                .hasMessageContaining("'s'");
        assertThat(tmp.resolve("x.png")).doesNotExist();
    }

    @Test
    void theGenericTableQuotesCsvAndChecksRowWidths() {
        assertThat(Table.csv(List.of("a", "b"), List.of(List.of("x,y", 1.5), java.util.Arrays.asList(null, Double.NaN))))
                .isEqualTo("a,b\n\"x,y\",1.5\n,NaN\n");
        assertThat(Table.markdown(List.of("m", "v"), List.of(List.of("x", "1.0")))).isEqualTo("| m | v |\n|---|---:|\n| x | 1.0 |\n");
        assertThatThrownBy(() -> Table.markdown(List.of("m", "v"), List.of(List.of("x")))).hasMessageContaining("1 cells under 2 columns");
    }

    @Test
    void lineScatterAndValueHeatmapsArePngImages() throws IOException {
        Plots.Series s = new Plots.Series("s", List.of(0.0, 0.5, 1.0), List.of(1.0, 3.0, 2.0));
        BufferedImage lines = ImageIO.read(Plots.lines(tmp.resolve("l.png"), "l", "x", "y", List.of(s), Map.of("level", 2.5)).toFile());
        assertThat(lines.getWidth()).isEqualTo(800);
        Plots.Series empty = new Plots.Series("none", List.of(), List.of());
        assertThat(ImageIO.read(Plots.scatter(tmp.resolve("s.png"), "s", "x", "y", List.of(s, empty)).toFile())).isNotNull();
        double[][] d = {{0, 1.5}, {1.5, 0}};
        BufferedImage heat = ImageIO.read(Plots.heatmap(tmp.resolve("d.png"), "d", "", "", List.of("a", "b"), List.of("a", "b"), d,
                Plots.HeatmapStyle.valuesOverDataRange()).toFile());
        assertThat(heat.getHeight()).isGreaterThanOrEqualTo(400);
        assertThatThrownBy(() -> new Plots.Series("bad", List.of(1.0), List.of())).hasMessageContaining("'bad'");
        assertThat(tmp).isDirectoryNotContaining("glob:**.tmp");
    }
}
