package io.adamerge.cli.study;

import io.adamerge.cli.report.Plots;
import io.adamerge.cli.report.Table;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.text.corrupt.TextCorruption;
import io.adamerge.data.text.corrupt.TextCorruptions;
import io.adamerge.study.TaskSplit;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.study.DistanceStudy;
import io.adamerge.study.EntropyStudy;
import io.adamerge.study.GeneralizationStudy;
import io.adamerge.study.RobustnessStudy;
import io.adamerge.study.SensitivityStudy;
import io.adamerge.zoo.ZooFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the studies' files into one folder: per study a JSON file with the full result, CSV tables and PNG
 * figures, and one {@code report.md} with every table (sections appended in the order the studies ran).
 */
public final class StudyReport {
    private final Path dir;
    private final StringBuilder markdown = new StringBuilder();
    private final List<String> files = new ArrayList<>();

    private final boolean text;

    public StudyReport(Path dir, String header) {
        this(dir, header, false);
    }

    /** @param text whether the studies ran on the text benchmark (the sections speak of texts, not images) */
    public StudyReport(Path dir, String header, boolean text) {
        this.dir = dir;
        this.text = text;
        markdown.append("# AdaMerging studies\n\n").append(header).append("\n");
    }

    /** A section's sentence in the benchmark's words. */
    private String words(String sentence) {
        return text ? sentence.replace("images", "texts") : sentence;
    }

    /** The files written so far (relative names), report.md last once {@link #finish()} ran. */
    public List<String> files() {
        return List.copyOf(files);
    }

    public String markdown() {
        return markdown.toString();
    }

    /** Writes report.md (atomically; call after every study so a failed later study leaves the earlier tables). */
    public void finish() {
        ZooFiles.writeString(dir.resolve("report.md"), markdown.toString());
        if (!files.contains("report.md")) {
            files.add("report.md");
        }
    }

    private void json(String name, Object value) {
        ZooFiles.writeJson(dir.resolve(name), value);
        files.add(name);
    }

    private void csv(String name, List<String> header, List<List<?>> rows) {
        ZooFiles.writeString(dir.resolve(name), Table.csv(header, rows));
        files.add(name);
    }

    /** Records a figure written by {@link Plots}; returns its Markdown image link. */
    private String figure(Path png, String alt) {
        String name = dir.relativize(png).toString();
        files.add(name);
        return "![" + alt + "](" + name + ")";
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String images(int n) {
        return n == 0 ? "all" : "the first " + n;
    }

    public void generalization(GeneralizationStudy.Result r) {
        json("generalization.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        markdown.append(words(String.format(Locale.ROOT, "%n## 1. Generalisation to unseen tasks%n%n"
                + "Merged: the seen tasks only; AdaMerging learnt its coefficients on their unlabelled test images (%d steps). "
                + "Unseen tasks are evaluated with their own fine-tuned heads on the merged encoder. Accuracy (%%), %s test "
                + "images per task; computed in %.0f s.%n", r.adaSteps(), images(r.testImages()), r.seconds())));
        for (GeneralizationStudy.SplitResult s : r.splits()) {
            List<String> unseen = s.split().unseen();
            markdown.append("\n### ").append(s.split().name()).append(": unseen ").append(String.join(", ", unseen)).append("\n\n");
            markdown.append("Seen: ").append(String.join(", ", s.split().seen())).append(".\n\n");
            List<String> header = new ArrayList<>(List.of("method", "seen avg"));
            header.addAll(unseen);
            header.add("unseen avg");
            List<List<String>> cells = new ArrayList<>();
            for (GeneralizationStudy.Row row : s.rows()) {
                List<String> line = new ArrayList<>(List.of(row.method(), pct(row.seenAvg())));
                for (String u : unseen) {
                    line.add(pct(row.unseen().get(u)));
                    csvRows.add(List.of(s.split().name(), row.method(), "unseen", u, row.unseen().get(u)));
                }
                line.add("**" + pct(row.unseenAvg()) + "**");
                cells.add(line);
                row.seen().forEach((t, a) -> csvRows.add(List.of(s.split().name(), row.method(), "seen", t, a)));
            }
            markdown.append(Table.markdown(header, cells));
        }
        csv("generalization.csv", List.of("split", "method", "role", "task", "accuracy"), csvRows);
        finish();
    }

    /**
     * @param sample the split whose first example shows the corruptions: a figure of images, or a table of one text under
     *               every text corruption at the study's severity
     */
    public void robustness(RobustnessStudy.Result r, TaskSplit sample, long seed) {
        json("robustness.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        String corruptions = sample instanceof TaskSplit.Images i
                ? String.format(Locale.ROOT, "ImageNet-C definitions adapted to %dx%d", i.data().spec().height(), i.data().spec().width())
                : "the seven seeded text corruptions: keyboard typos, character swaps, deletions, insertions, OCR confusions, case "
                + "flips, word dropout";
        markdown.append(words(String.format(Locale.ROOT, "%n## 2. Robustness to corrupted test data%n%n"
                        + "Merged: %s. Corruptions at severity %d (%s); AdaMerging learnt its "
                        + "coefficients on the corrupted, unlabelled test images of each condition (%d steps). Average accuracy (%%) over "
                        + "the %d tasks, %s test images per task; computed in %.0f s.%n%n",
                String.join(", ", r.tasks()), r.severity(), corruptions, r.adaSteps(), r.tasks().size(),
                images(r.testImages()), r.seconds())));
        List<String> header = new ArrayList<>(List.of("method"));
        header.addAll(r.conditions());
        List<List<String>> cells = new ArrayList<>();
        for (RobustnessStudy.Row row : r.rows()) {
            List<String> line = new ArrayList<>(List.of(row.method()));
            for (String c : r.conditions()) {
                line.add(pct(row.avg().get(c)));
                row.perTask().get(c).forEach((t, a) -> csvRows.add(List.of(row.method(), c, r.severity(), t, a)));
            }
            cells.add(line);
        }
        markdown.append(Table.markdown(header, cells));
        csv("robustness.csv", List.of("method", "condition", "severity", "task", "accuracy"), csvRows);
        if (sample instanceof TaskSplit.Images i) {
            ImageDataset gridImage = i.data().subset(i.data().name(), new int[] {0});
            List<Corruption> all = List.of(Corruption.values());
            String grid = figure(Plots.png(dir.resolve("corruptions.png"), CorruptionGrid.of(gridImage, all, seed, 4)), "corruptions");
            markdown.append("\n").append(grid).append("\n\nThe first test image of ").append(gridImage.name())
                    .append(": one row per corruption (").append(String.join(", ", all.stream().map(Corruption::id).toList()))
                    .append("), the clean image first, then severities 1–5.\n");
        } else if (sample instanceof TaskSplit.Texts t) {
            String clean = t.data().text(0);
            List<List<String>> examples = new ArrayList<>();
            examples.add(List.of(RobustnessStudy.CLEAN, cell(clean)));
            for (TextCorruption c : TextCorruption.values()) {
                examples.add(List.of(c.label(), cell(TextCorruptions.corrupt(clean, c, r.severity(), seed))));
            }
            markdown.append("\nThe first test text of ").append(t.name()).append(" under each corruption at severity ")
                    .append(r.severity()).append(":\n\n").append(Table.markdown(List.of("condition", "text"), examples));
        }
        finish();
    }

    /** A text as one Markdown table cell: one line, pipes escaped, at most 200 characters. */
    private static String cell(String text) {
        String one = text.replaceAll("\\s+", " ").replace("|", "\\|");
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    public void entropy(EntropyStudy.Result r) {
        json("entropy.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        for (EntropyStudy.Point p : r.points()) {
            for (int k = 0; k < r.tasks().size(); k++) {
                csvRows.add(List.of(p.source(), p.index(), r.tasks().get(k), p.entropy()[k], p.crossEntropy()[k], p.accuracy()[k]));
            }
            csvRows.add(List.of(p.source(), p.index(), "mean", p.meanEntropy(), p.meanCrossEntropy(), p.meanAccuracy()));
        }
        csv("entropy.csv", List.of("source", "index", "task", "entropy", "cross_entropy", "accuracy"), csvRows);
        List<Plots.Series> series = new ArrayList<>();
        for (String source : List.of(EntropyStudy.RANDOM, EntropyStudy.TRAJECTORY)) {
            List<EntropyStudy.Point> points = r.points().stream().filter(p -> p.source().equals(source)).toList();
            series.add(new Plots.Series(source.equals(EntropyStudy.RANDOM) ? "random layer-wise λ" : "AdaMerging trajectory",
                    points.stream().map(EntropyStudy.Point::meanEntropy).toList(),
                    points.stream().map(EntropyStudy.Point::meanCrossEntropy).toList()));
        }
        String plot = figure(Plots.scatter(dir.resolve("entropy-loss.png"),
                String.format(Locale.ROOT, "entropy vs cross-entropy (Spearman ρ = %.3f)", r.overall().all()), "mean entropy (nats)",
                "mean cross-entropy on labelled test data (nats)", series), "entropy vs loss");
        long random = r.points().stream().filter(p -> p.source().equals(EntropyStudy.RANDOM)).count();
        long trajectory = r.points().size() - random;
        markdown.append(words(String.format(Locale.ROOT, "%n## 3. Entropy and loss%n%n"
                        + "Spearman's ρ between mean prediction entropy and mean cross-entropy on labelled test data (%s images per "
                        + "task), over %d random layer-wise coefficient vectors (λ uniform in [0, %.1f]) and %d points of a layer-wise "
                        + "AdaMerging run of %d steps (every %d steps); computed in %.0f s.%n%n",
                images(r.testImages()), random, r.maxLambda(), trajectory, r.adaSteps(), r.trajectoryEvery(), r.seconds())));
        List<List<String>> cells = new ArrayList<>();
        for (EntropyStudy.Correlation c : r.perTask()) {
            cells.add(List.of(c.task(), num(c.random()), num(c.trajectory()), num(c.all())));
        }
        EntropyStudy.Correlation o = r.overall();
        cells.add(List.of("**" + o.task() + "**", "**" + num(o.random()) + "**", "**" + num(o.trajectory()) + "**", "**" + num(o.all()) + "**"));
        markdown.append(Table.markdown(List.of("task", "ρ random", "ρ trajectory", "ρ all"), cells)).append('\n').append(plot).append('\n');
        finish();
    }

    public void sensitivity(SensitivityStudy.Result r) {
        json("sensitivity.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        for (SensitivityStudy.Curve c : r.curves()) {
            for (int i = 0; i < c.lambdas().size(); i++) {
                csvRows.add(List.of(c.method(), c.parameter(), c.lambdas().get(i), c.avg().get(i)));
            }
        }
        r.levels().forEach((m, a) -> csvRows.add(List.of(m, "", "", a)));
        csv("sensitivity.csv", List.of("method", "parameter", "value", "avg_accuracy"), csvRows);
        boolean alpha = r.curves().stream().anyMatch(c -> !c.parameter().equals("lambda"));
        String what = alpha ? "λ and α sensitivity" : "λ sensitivity";
        List<Plots.Series> curves = r.curves().stream()
                .map(c -> new Plots.Series(c.method() + (alpha ? " (" + symbol(c.parameter()) + ")" : ""), c.lambdas(), c.avg())).toList();
        String plot = figure(Plots.lines(dir.resolve("sensitivity.png"), what + " (" + r.tasks().size() + " tasks)", alpha ? "λ / α" : "λ",
                "average accuracy (%)", curves, r.levels()), what);
        markdown.append(words(String.format(Locale.ROOT, "%n## 4. %s%n%n"
                + "Average accuracy (%%) over the %d tasks (%s test images each); AdaMerging learnt in %d steps; computed in %.0f s.%n%n",
                what, r.tasks().size(), images(r.testImages()), r.adaSteps(), r.seconds())));
        // one table per grid: the λ curves share the study's λ grid, the spectral merges the official α grid
        Map<List<Object>, List<SensitivityStudy.Curve>> byGrid = new java.util.LinkedHashMap<>();
        for (SensitivityStudy.Curve c : r.curves()) {
            byGrid.computeIfAbsent(List.of(c.parameter(), c.lambdas()), k -> new ArrayList<>()).add(c);
        }
        byGrid.forEach((grid, group) -> {
            List<String> header = new ArrayList<>(List.of(symbol(group.get(0).parameter())));
            group.get(0).lambdas().forEach(l -> header.add(String.format(Locale.ROOT, "%.1f", l)));
            List<List<String>> cells = new ArrayList<>();
            for (SensitivityStudy.Curve c : group) {
                List<String> line = new ArrayList<>(List.of(c.method()));
                c.avg().forEach(a -> line.add(pct(a)));
                cells.add(line);
            }
            markdown.append(Table.markdown(header, cells)).append('\n');
        });
        for (Map.Entry<String, Double> e : r.levels().entrySet()) {
            markdown.append("- ").append(e.getKey()).append(": ").append(pct(e.getValue())).append("\n");
        }
        markdown.append('\n').append(plot).append('\n');
        finish();
    }

    /** λ, α, or the parameter's name. */
    private static String symbol(String parameter) {
        return switch (parameter) {
            case "lambda" -> "λ";
            case "alpha" -> "α";
            default -> parameter;
        };
    }

    public void negation(io.adamerge.study.NegationStudy.Result r) {
        json("negation.json", r);
        List<List<?>> rows = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        double tPre = 0, tNeg = 0, cPre = 0, cNeg = 0;
        for (io.adamerge.study.NegationStudy.Row row : r.rows()) {
            rows.add(List.of(row.target(), row.control(), row.lambda(), row.targetPretrained(), row.targetNegated(),
                    row.controlPretrained(), row.controlNegated()));
            cells.add(List.of(row.target(), row.control(), String.format(Locale.ROOT, "%.2f", row.lambda()), pct(row.targetPretrained()),
                    pct(row.targetNegated()), pct(row.controlPretrained()), pct(row.controlNegated())));
            tPre += row.targetPretrained();
            tNeg += row.targetNegated();
            cPre += row.controlPretrained();
            cNeg += row.controlNegated();
        }
        int n = Math.max(1, r.rows().size());
        cells.add(List.of("**mean**", "", "", pct(tPre / n), pct(tNeg / n), pct(cPre / n), pct(cNeg / n)));
        csv("negation.csv", List.of("target", "control", "lambda", "target_pretrained", "target_negated", "control_pretrained",
                "control_negated"), rows);
        markdown.append(words(String.format(Locale.ROOT, "%n## Negation%n%n"
                + "θ = θ_pre − λ·T_target (Task Arithmetic's forgetting by negation). λ is the largest of %s for which the control "
                + "keeps ≥ %.0f%% of its pretrained accuracy on validation images; accuracies (%%) on %s test images per task; "
                + "control \"others\" = mean over the other tasks. Computed in %.0f s.%n%n",
                r.lambdas(), 100 * r.keep(), images(r.testImages()), r.seconds())));
        markdown.append(Table.markdown(List.of("target", "control", "λ", "target (pre)", "target (negated)", "control (pre)",
                "control (negated)"), cells)).append('\n');
        finish();
    }

    public void distances(DistanceStudy.Result r) {
        json("distances.json", r);
        markdown.append(words(String.format(Locale.ROOT, "%n## 5. Distances%n%n"
                + "Over all %d parameters. Task vectors T_k = θ_k − θ_pre; merged vs fine-tuned: L1/L2 of θ_merged − θ_k and the "
                + "cosine between θ_merged − θ_pre and T_k. Computed in %.0f s.%n%n", r.parameters(), r.seconds())));
        List<List<String>> norms = new ArrayList<>();
        for (int k = 0; k < r.tasks().size(); k++) {
            norms.add(List.of(r.tasks().get(k), num(r.taskL1Norms()[k]), num(r.taskL2Norms()[k])));
        }
        markdown.append(Table.markdown(List.of("task", "‖T‖₁", "‖T‖₂"), norms));
        int i = 0;
        for (DistanceStudy.Matrix m : List.of(r.taskL1(), r.taskL2(), r.taskCosine(), r.mergedL1(), r.mergedL2(), r.mergedCosine())) {
            String base = "distances-" + List.of("task-l1", "task-l2", "task-cosine", "merged-l1", "merged-l2", "merged-cosine").get(i++);
            List<List<?>> rows = new ArrayList<>();
            List<List<String>> cells = new ArrayList<>();
            for (int a = 0; a < m.rows().size(); a++) {
                List<Object> row = new ArrayList<>(List.of(m.rows().get(a)));
                List<String> line = new ArrayList<>(List.of(m.rows().get(a)));
                for (double v : m.values()[a]) {
                    row.add(v);
                    line.add(num(v));
                }
                rows.add(row);
                cells.add(line);
            }
            List<String> header = new ArrayList<>(List.of(""));
            header.addAll(m.columns());
            csv(base + ".csv", header, rows);
            String plot = figure(Plots.heatmap(dir.resolve(base + ".png"), m.name(), "", "", m.columns(), m.rows(), m.values(),
                    Plots.HeatmapStyle.valuesOverDataRange()), m.name());
            markdown.append("\n### ").append(m.name()).append("\n\n").append(Table.markdown(header, cells)).append('\n').append(plot)
                    .append('\n');
        }
        finish();
    }
}
