package io.adamerge.cli.report;

import io.adamerge.zoo.ZooFiles;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts with XChart (and plain images), written through a temporary file renamed into place. */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true"); // plots are written on machines without a display
    }

    private Plots() {
    }

    /** Colours of a heat map, from the low end of its range to the high end. */
    public enum Palette {
        /** Blue, pale yellow, red: for values around a meaningful middle (coefficients in [0, 1]). */
        DIVERGING(new Color(0x2c, 0x7b, 0xb6), new Color(0xff, 0xff, 0xbf), new Color(0xd7, 0x19, 0x1c)),
        /** White to dark blue: for magnitudes (distances, similarities). */
        SEQUENTIAL(new Color(247, 251, 255), new Color(107, 174, 214), new Color(8, 48, 107));

        private final Color[] colours;

        Palette(Color... colours) {
            this.colours = colours;
        }
    }

    /**
     * How a heat map colours and labels its cells.
     *
     * @param min        value at the low end of the palette; NaN: the smallest value shown
     * @param max        value at the high end; NaN: the largest value shown
     * @param showValues print each cell's value in it (rows are made tall enough)
     */
    public record HeatmapStyle(double min, double max, Palette palette, boolean showValues) {
        /** A fixed range, diverging colours, no values: for large matrices such as coefficients per tensor. */
        public static HeatmapStyle range(double min, double max) {
            return new HeatmapStyle(min, max, Palette.DIVERGING, false);
        }

        /** The data's own range, sequential colours, the values printed: for small matrices such as distances. */
        public static HeatmapStyle valuesOverDataRange() {
            return new HeatmapStyle(Double.NaN, Double.NaN, Palette.SEQUENTIAL, true);
        }
    }

    /** One series of points of a line or scatter chart. */
    public record Series(String name, List<Double> x, List<Double> y) {
        public Series {
            x = List.copyOf(x);
            y = List.copyOf(y);
            if (x.size() != y.size()) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.size() + " x values and " + y.size() + " y values");
            }
        }
    }

    /** {@link #heatmap(Path, String, String, String, List, List, double[][], HeatmapStyle)} with a fixed range, diverging. */
    public static Path heatmap(Path png, String title, String xTitle, String yTitle, List<String> columns, List<String> rows,
                               double[][] values, double min, double max) {
        return heatmap(png, title, xTitle, yTitle, columns, rows, values, HeatmapStyle.range(min, max));
    }

    /** A heat map of {@code values[row][column]}: columns along x, rows along y (the first row at the top). */
    public static Path heatmap(Path png, String title, String xTitle, String yTitle, List<String> columns, List<String> rows,
                               double[][] values, HeatmapStyle style) {
        if (values.length != rows.size()) {
            throw new IllegalArgumentException(values.length + " rows of values for " + rows.size() + " row labels");
        }
        int cellHeight = style.showValues() ? 40 : 14;
        int height = Math.max(400, 140 + cellHeight * rows.size());
        int width = Math.max(600, 260 + (style.showValues() ? 100 : 70) * columns.size()
                + 7 * rows.stream().mapToInt(String::length).max().orElse(0));
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        HeatMapStyler styler = chart.getStyler();
        styler.setShowValue(style.showValues());
        styler.setRangeColors(style.palette().colours);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setPlotContentSize(1.0);
        styler.setXAxisLabelRotation(45);
        List<Number[]> heat = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        // XChart draws y index 0 at the bottom: flip so the first row is on top
        List<String> yLabels = new ArrayList<>(rows);
        Collections.reverse(yLabels);
        for (int r = 0; r < rows.size(); r++) {
            if (values[r].length != columns.size()) {
                throw new IllegalArgumentException("row " + r + " has " + values[r].length + " values for " + columns.size() + " columns");
            }
            for (int c = 0; c < columns.size(); c++) {
                heat.add(new Number[] {c, rows.size() - 1 - r, values[r][c]});
                lo = Math.min(lo, values[r][c]);
                hi = Math.max(hi, values[r][c]);
            }
        }
        double min = Double.isNaN(style.min()) ? lo : style.min();
        double max = Double.isNaN(style.max()) ? hi : style.max();
        if (min < max) { // a constant matrix keeps XChart's own range
            styler.setMin(min);
            styler.setMax(max);
        }
        // three decimals for similarities and small distances, whole numbers for large ones (cells and legend)
        String pattern = Math.max(Math.abs(lo), Math.abs(hi)) >= 100 ? "0" : "0.000";
        styler.setHeatMapValueDecimalPattern(pattern);
        styler.setDecimalPattern(pattern);
        chart.addSeries(title, columns, yLabels, heat);
        return png(png, chart);
    }

    /** Grouped bars: one group per category, one bar per series (each series has one value per category). */
    public static Path bars(Path png, String title, String xTitle, String yTitle, List<String> categories, Map<String, double[]> series) {
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(600, 120 + 90 * categories.size())).height(450).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(30);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length + " values for "
                        + categories.size() + " categories");
            }
            List<Double> ys = new ArrayList<>();
            for (double v : e.getValue()) {
                ys.add(v);
            }
            chart.addSeries(e.getKey(), categories, ys);
        }
        return png(png, chart);
    }

    /**
     * Lines with markers, one per series, and {@code levels} (name → y) as horizontal lines without markers across the
     * series' x range.
     */
    public static Path lines(Path png, String title, String xTitle, String yTitle, List<Series> series, Map<String, Double> levels) {
        XYChart chart = xy(title, xTitle, yTitle, series);
        double lo = series.stream().flatMap(s -> s.x().stream()).mapToDouble(Double::doubleValue).min().orElse(0);
        double hi = series.stream().flatMap(s -> s.x().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        levels.forEach((name, y) -> chart.addSeries(name, List.of(lo, hi), List.of(y, y)).setMarker(SeriesMarkers.NONE));
        return png(png, chart);
    }

    /** Points only, one colour per series; series without points are left out. */
    public static Path scatter(Path png, String title, String xTitle, String yTitle, List<Series> series) {
        XYChart chart = xy(title, xTitle, yTitle, series.stream().filter(s -> !s.x().isEmpty()).toList());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        return png(png, chart);
    }

    private static XYChart xy(String title, String xTitle, String yTitle, List<Series> series) {
        XYChart chart = new XYChartBuilder().width(800).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y());
        }
        return chart;
    }

    /** Writes a chart as PNG. */
    public static Path png(Path png, Chart<?, ?> chart) {
        ZooFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return png;
    }

    /** Writes an image as PNG. */
    public static Path png(Path png, BufferedImage image) {
        ZooFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer for this image");
            }
        });
        return png;
    }
}
