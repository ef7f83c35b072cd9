package io.adamerge.cli.study;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.corrupt.Corruption;
import io.adamerge.study.DistanceStudy;
import io.adamerge.study.EntropyStudy;
import io.adamerge.study.GeneralizationStudy;
import io.adamerge.study.RobustnessStudy;
import io.adamerge.study.SensitivityStudy;
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

    public StudyReport(Path dir, String header) {
        this.dir = dir;
        markdown.append("# AdaMerging studies\n\n").append(header).append("\n");
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
        StudyFiles.text(dir.resolve("report.md"), markdown.toString());
        if (!files.contains("report.md")) {
            files.add("report.md");
        }
    }

    private void json(String name, Object value) {
        StudyFiles.json(dir.resolve(name), value);
        files.add(name);
    }

    private void csv(String name, List<String> header, List<List<?>> rows) {
        StudyFiles.csv(dir.resolve(name), header, rows);
        files.add(name);
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
        markdown.append(String.format(Locale.ROOT, "%n## 1. Generalisation to unseen tasks%n%n"
                + "Merged: the seen tasks only; AdaMerging learnt its coefficients on their unlabelled test images (%d steps). "
                + "Unseen tasks are evaluated with their own fine-tuned heads on the merged encoder. Accuracy (%%), %s test "
                + "images per task; computed in %.0f s.%n", r.adaSteps(), images(r.testImages()), r.seconds()));
        for (GeneralizationStudy.SplitResult s : r.splits()) {
            List<String> unseen = s.split().unseen();
            markdown.append("\n### ").append(s.split().name()).append(": unseen ").append(String.join(", ", unseen)).append("\n\n");
            markdown.append("Seen: ").append(String.join(", ", s.split().seen())).append(".\n\n");
            markdown.append("| method | seen avg | ").append(String.join(" | ", unseen)).append(" | unseen avg |\n");
            markdown.append("|---|---:|").append("---:|".repeat(unseen.size() + 1)).append('\n');
            for (GeneralizationStudy.Row row : s.rows()) {
                markdown.append("| ").append(row.method()).append(" | ").append(pct(row.seenAvg())).append(" | ");
                for (String u : unseen) {
                    markdown.append(pct(row.unseen().get(u))).append(" | ");
                    csvRows.add(List.of(s.split().name(), row.method(), "unseen", u, row.unseen().get(u)));
                }
                markdown.append("**").append(pct(row.unseenAvg())).append("** |\n");
                row.seen().forEach((t, a) -> csvRows.add(List.of(s.split().name(), row.method(), "seen", t, a)));
            }
        }
        csv("generalization.csv", List.of("split", "method", "role", "task", "accuracy"), csvRows);
        finish();
    }

    public void robustness(RobustnessStudy.Result r, ImageDataset gridImage, long seed) {
        json("robustness.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        markdown.append(String.format(Locale.ROOT, "%n## 2. Robustness to corrupted test data%n%n"
                        + "Merged: %s. Corruptions at severity %d (ImageNet-C definitions adapted to %dx%d); AdaMerging learnt its "
                        + "coefficients on the corrupted, unlabelled test images of each condition (%d steps). Average accuracy (%%) over "
                        + "the four tasks, %s test images per task; computed in %.0f s.%n%n",
                String.join(", ", r.tasks()), r.severity(), gridImage.spec().height(), gridImage.spec().width(), r.adaSteps(),
                images(r.testImages()), r.seconds()));
        markdown.append("| method | ").append(String.join(" | ", r.conditions())).append(" |\n");
        markdown.append("|---|").append("---:|".repeat(r.conditions().size())).append('\n');
        for (RobustnessStudy.Row row : r.rows()) {
            markdown.append("| ").append(row.method()).append(" | ");
            for (String c : r.conditions()) {
                markdown.append(pct(row.avg().get(c))).append(" | ");
                row.perTask().get(c).forEach((t, a) -> csvRows.add(List.of(row.method(), c, r.severity(), t, a)));
            }
            markdown.append('\n');
        }
        csv("robustness.csv", List.of("method", "condition", "severity", "task", "accuracy"), csvRows);
        List<Corruption> all = List.of(Corruption.values());
        StudyFiles.png(dir.resolve("corruptions.png"), StudyPlots.corruptionGrid(gridImage, all, seed, 4));
        files.add("corruptions.png");
        markdown.append("\n![corruptions](corruptions.png)\n\nThe first test image of ").append(gridImage.name())
                .append(": one row per corruption (").append(String.join(", ", all.stream().map(Corruption::id).toList()))
                .append("), the clean image first, then severities 1–5.\n");
        finish();
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
        StudyFiles.png(dir.resolve("entropy-loss.png"), StudyPlots.entropyLoss(r));
        files.add("entropy-loss.png");
        long random = r.points().stream().filter(p -> p.source().equals(EntropyStudy.RANDOM)).count();
        long trajectory = r.points().size() - random;
        markdown.append(String.format(Locale.ROOT, "%n## 3. Entropy and loss%n%n"
                        + "Spearman's ρ between mean prediction entropy and mean cross-entropy on labelled test data (%s images per "
                        + "task), over %d random layer-wise coefficient vectors (λ uniform in [0, %.1f]) and %d points of a layer-wise "
                        + "AdaMerging run of %d steps (every %d steps); computed in %.0f s.%n%n",
                images(r.testImages()), random, r.maxLambda(), trajectory, r.adaSteps(), r.trajectoryEvery(), r.seconds()));
        markdown.append("| task | ρ random | ρ trajectory | ρ all |\n|---|---:|---:|---:|\n");
        for (EntropyStudy.Correlation c : r.perTask()) {
            markdown.append("| ").append(c.task()).append(" | ").append(num(c.random())).append(" | ").append(num(c.trajectory()))
                    .append(" | ").append(num(c.all())).append(" |\n");
        }
        EntropyStudy.Correlation o = r.overall();
        markdown.append("| **").append(o.task()).append("** | **").append(num(o.random())).append("** | **").append(num(o.trajectory()))
                .append("** | **").append(num(o.all())).append("** |\n\n![entropy vs loss](entropy-loss.png)\n");
        finish();
    }

    public void sensitivity(SensitivityStudy.Result r) {
        json("sensitivity.json", r);
        List<List<?>> csvRows = new ArrayList<>();
        for (SensitivityStudy.Curve c : List.of(r.taskArithmetic(), r.ties())) {
            for (int i = 0; i < c.lambdas().size(); i++) {
                csvRows.add(List.of(c.method(), c.lambdas().get(i), c.avg().get(i)));
            }
        }
        r.adaMerging().forEach((m, a) -> csvRows.add(List.of(m, "", a)));
        csv("sensitivity.csv", List.of("method", "lambda", "avg_accuracy"), csvRows);
        StudyFiles.png(dir.resolve("sensitivity.png"), StudyPlots.sensitivity(r));
        files.add("sensitivity.png");
        markdown.append(String.format(Locale.ROOT, "%n## 4. λ sensitivity%n%n"
                + "Average accuracy (%%) over the %d tasks (%s test images each); AdaMerging learnt in %d steps; computed in %.0f s.%n%n",
                r.tasks().size(), images(r.testImages()), r.adaSteps(), r.seconds()));
        markdown.append("| λ | ").append(String.join(" | ", r.taskArithmetic().lambdas().stream()
                .map(l -> String.format(Locale.ROOT, "%.1f", l)).toList())).append(" |\n");
        markdown.append("|---|").append("---:|".repeat(r.taskArithmetic().lambdas().size())).append('\n');
        for (SensitivityStudy.Curve c : List.of(r.taskArithmetic(), r.ties())) {
            markdown.append("| ").append(c.method()).append(" | ")
                    .append(String.join(" | ", c.avg().stream().map(StudyReport::pct).toList())).append(" |\n");
        }
        markdown.append('\n');
        for (Map.Entry<String, Double> e : r.adaMerging().entrySet()) {
            markdown.append("- ").append(e.getKey()).append(": ").append(pct(e.getValue())).append("\n");
        }
        markdown.append("\n![λ sensitivity](sensitivity.png)\n");
        finish();
    }

    public void distances(DistanceStudy.Result r) {
        json("distances.json", r);
        markdown.append(String.format(Locale.ROOT, "%n## 5. Distances%n%n"
                + "Over all %d parameters. Task vectors T_k = θ_k − θ_pre; merged vs fine-tuned: L1/L2 of θ_merged − θ_k and the "
                + "cosine between θ_merged − θ_pre and T_k. Computed in %.0f s.%n%n", r.parameters(), r.seconds()));
        markdown.append("| task | ‖T‖₁ | ‖T‖₂ |\n|---|---:|---:|\n");
        for (int k = 0; k < r.tasks().size(); k++) {
            markdown.append("| ").append(r.tasks().get(k)).append(" | ").append(num(r.taskL1Norms()[k])).append(" | ")
                    .append(num(r.taskL2Norms()[k])).append(" |\n");
        }
        int i = 0;
        for (DistanceStudy.Matrix m : List.of(r.taskL1(), r.taskL2(), r.taskCosine(), r.mergedL1(), r.mergedL2(), r.mergedCosine())) {
            String base = "distances-" + List.of("task-l1", "task-l2", "task-cosine", "merged-l1", "merged-l2", "merged-cosine").get(i++);
            List<List<?>> rows = new ArrayList<>();
            for (int a = 0; a < m.rows().size(); a++) {
                List<Object> row = new ArrayList<>();
                row.add(m.rows().get(a));
                for (double v : m.values()[a]) {
                    row.add(v);
                }
                rows.add(row);
            }
            List<String> header = new ArrayList<>();
            header.add("");
            header.addAll(m.columns());
            csv(base + ".csv", header, rows);
            StudyFiles.png(dir.resolve(base + ".png"), StudyPlots.heatmap(m));
            files.add(base + ".png");
            markdown.append("\n### ").append(m.name()).append("\n\n| | ").append(String.join(" | ", m.columns())).append(" |\n|---|")
                    .append("---:|".repeat(m.columns().size())).append('\n');
            for (int a = 0; a < m.rows().size(); a++) {
                markdown.append("| ").append(m.rows().get(a)).append(" | ");
                for (double v : m.values()[a]) {
                    markdown.append(num(v)).append(" | ");
                }
                markdown.append('\n');
            }
            markdown.append("\n![").append(m.name()).append("](").append(base).append(".png)\n");
        }
        finish();
    }
}
