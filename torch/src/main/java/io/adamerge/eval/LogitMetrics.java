package io.adamerge.eval;

/**
 * Accumulates accuracy, prediction entropy and cross-entropy over batches of logits, in double precision
 * (log-softmax with the row maximum subtracted). The argmax of a row with ties is its first maximum.
 */
public final class LogitMetrics {
    private long images;
    private long correct;
    private double entropySum;
    private double crossEntropySum;

    /** Adds {@code labels.length} rows of row-major [rows, classes] {@code logits}. */
    public void add(float[] logits, int classes, int[] labels) {
        if (classes < 1 || logits.length != (long) labels.length * classes) {
            throw new IllegalArgumentException(labels.length + " labels and " + classes + " classes need " + (long) labels.length * classes
                    + " logits, got " + logits.length);
        }
        double[] logP = new double[classes];
        for (int r = 0; r < labels.length; r++) {
            int base = r * classes;
            int y = labels[r];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("label " + y + " of row " + r + " is outside 0.." + (classes - 1));
            }
            int argmax = 0;
            double max = logits[base];
            for (int c = 1; c < classes; c++) {
                if (logits[base + c] > max) {
                    max = logits[base + c];
                    argmax = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[base + c] - max);
            }
            double logSum = Math.log(sum);
            double h = 0;
            for (int c = 0; c < classes; c++) {
                logP[c] = logits[base + c] - max - logSum;
                h -= Math.exp(logP[c]) * logP[c];
            }
            entropySum += h;
            crossEntropySum -= logP[y];
            if (argmax == y) {
                correct++;
            }
            images++;
        }
    }

    public long images() {
        return images;
    }

    public TaskMetrics result(String task) {
        if (images == 0) {
            throw new IllegalStateException(task + ": no images were evaluated");
        }
        return new TaskMetrics(task, (int) images, 100.0 * correct / images, entropySum / images, crossEntropySum / images);
    }
}
