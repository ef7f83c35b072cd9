package io.adamerge.cli.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;

/** PNG charts with XChart, written through a temporary file renamed into place. */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true"); // plots are written on machines without a display
    }

    private Plots() {
    }

    /**
     * A heat map of {@code values[row][column]}: columns along x, rows along y (the first row at the top), colours
     * from {@code min} to {@code max}.
     */
    public static Path heatmap(Path png, String title, String xTitle, String yTitle, List<String> columns, List<String> rows,
                               double[][] values, double min, double max) {
        if (values.length != rows.size()) {
            throw new IllegalArgumentException(values.length + " rows of values for " + rows.size() + " row labels");
        }
        int cellHeight = 14;
        int height = Math.max(400, 140 + cellHeight * rows.size());
        int width = Math.max(600, 260 + 70 * columns.size() + 7 * rows.stream().mapToInt(String::length).max().orElse(0));
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        HeatMapStyler styler = chart.getStyler();
        styler.setShowValue(false);
        styler.setMin(min);
        styler.setMax(max);
        styler.setRangeColors(new Color[] {new Color(0x2c, 0x7b, 0xb6), new Color(0xff, 0xff, 0xbf), new Color(0xd7, 0x19, 0x1c)});
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setPlotContentSize(1.0);
        styler.setXAxisLabelRotation(45);
        List<Number[]> heat = new ArrayList<>();
        // XChart draws y index 0 at the bottom: flip so the first row is on top
        List<String> yLabels = new ArrayList<>(rows);
        java.util.Collections.reverse(yLabels);
        for (int r = 0; r < rows.size(); r++) {
            if (values[r].length != columns.size()) {
                throw new IllegalArgumentException("row " + r + " has " + values[r].length + " values for " + columns.size() + " columns");
            }
            for (int c = 0; c < columns.size(); c++) {
                heat.add(new Number[] {c, rows.size() - 1 - r, values[r][c]});
            }
        }
        chart.addSeries(title, columns, yLabels, heat);
        return save(chart, png);
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
        return save(chart, png);
    }

    private static Path save(Chart<?, ?> chart, Path png) {
        try {
            Path parent = png.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            Path tmp = Files.createTempFile(parent, "." + png.getFileName() + ".", ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, png, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": cannot write the plot (" + e.getMessage() + ")", e);
        }
    }
}
