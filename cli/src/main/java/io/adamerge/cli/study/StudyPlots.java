package io.adamerge.cli.study;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.data.corrupt.Corruptions;
import io.adamerge.study.DistanceStudy;
import io.adamerge.study.EntropyStudy;
import io.adamerge.study.SensitivityStudy;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The studies' figures (XChart, headless). */
final class StudyPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private StudyPlots() {
    }

    /** Average accuracy against λ for Task Arithmetic and Ties, AdaMerging results as horizontal lines. */
    static XYChart sensitivity(SensitivityStudy.Result r) {
        XYChart chart = new XYChartBuilder().width(800).height(520).title("λ sensitivity (" + r.tasks().size() + " tasks)")
                .xAxisTitle("λ").yAxisTitle("average accuracy (%)").build();
        for (SensitivityStudy.Curve c : List.of(r.taskArithmetic(), r.ties())) {
            chart.addSeries(c.method(), c.lambdas(), c.avg());
        }
        double lo = r.taskArithmetic().lambdas().get(0);
        double hi = r.taskArithmetic().lambdas().get(r.taskArithmetic().lambdas().size() - 1);
        for (Map.Entry<String, Double> e : r.adaMerging().entrySet()) {
            XYSeries s = chart.addSeries(e.getKey(), List.of(lo, hi), List.of(e.getValue(), e.getValue()));
            s.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** Mean entropy against mean cross-entropy, one series per source (random draws, AdaMerging trajectory). */
    static XYChart entropyLoss(EntropyStudy.Result r) {
        XYChart chart = new XYChartBuilder().width(800).height(520)
                .title(String.format(Locale.ROOT, "entropy vs cross-entropy (Spearman ρ = %.3f)", r.overall().all()))
                .xAxisTitle("mean entropy (nats)").yAxisTitle("mean cross-entropy on labelled test data (nats)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (String source : List.of(EntropyStudy.RANDOM, EntropyStudy.TRAJECTORY)) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (EntropyStudy.Point p : r.points()) {
                if (p.source().equals(source)) {
                    x.add(p.meanEntropy());
                    y.add(p.meanCrossEntropy());
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(source.equals(EntropyStudy.RANDOM) ? "random layer-wise λ" : "AdaMerging trajectory", x, y);
            }
        }
        return chart;
    }

    static HeatMapChart heatmap(DistanceStudy.Matrix m) {
        HeatMapChart chart = new HeatMapChartBuilder().width(180 + 90 * m.columns().size()).height(160 + 50 * m.rows().size())
                .title(m.name()).build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapDecimalValueFormatter(v -> formatValue(v));
        chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(107, 174, 214), new Color(8, 48, 107)});
        chart.getStyler().setLegendVisible(false);
        List<Number[]> cells = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < m.rows().size(); r++) {
            for (int c = 0; c < m.columns().size(); c++) {
                double v = m.values()[r][c];
                cells.add(new Number[] {c, r, v});
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min < max) {
            chart.getStyler().setMin(min);
            chart.getStyler().setMax(max);
        }
        chart.addSeries(m.name(), m.columns(), m.rows(), cells);
        return chart;
    }

    private static String formatValue(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * One image under every corruption and severity: a row per corruption (in {@link Corruption} order), the clean
     * image in the first column, severities 1..5 after it; pixels enlarged {@code zoom} times, gray gaps between cells.
     */
    static BufferedImage corruptionGrid(ImageDataset oneImage, List<Corruption> corruptions, long seed, int zoom) {
        int h = oneImage.spec().height();
        int w = oneImage.spec().width();
        int gap = 4;
        int cols = 1 + Corruption.MAX_SEVERITY;
        BufferedImage img = new BufferedImage(cols * (w * zoom + gap) + gap, corruptions.size() * (h * zoom + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        for (int row = 0; row < corruptions.size(); row++) {
            for (int col = 0; col < cols; col++) {
                ImageDataset d = col == 0 ? oneImage : Corruptions.corrupt(oneImage, corruptions.get(row), col, seed);
                paint(img, d.image(0), d.spec().channels(), h, w, gap + col * (w * zoom + gap), gap + row * (h * zoom + gap), zoom);
            }
        }
        return img;
    }

    private static void paint(BufferedImage img, float[] px, int channels, int h, int w, int x0, int y0, int zoom) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    float v = px[(channels == 1 ? 0 : c) * h * w + y * w + x];
                    rgb = (rgb << 8) | Math.round(Math.max(0, Math.min(1, v)) * 255);
                }
                for (int dy = 0; dy < zoom; dy++) {
                    for (int dx = 0; dx < zoom; dx++) {
                        img.setRGB(x0 + x * zoom + dx, y0 + y * zoom + dy, rgb);
                    }
                }
            }
        }
    }
}
