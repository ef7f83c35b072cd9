package io.adamerge.data.text;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A difficulty probe for a text task: multinomial naive Bayes on lower-cased word unigrams with add-one
 * smoothing, trained on the train split and scored on another. It says how much of a task plain word counts solve
 * (the prototype's bracketed figures in the notes); it is not a model of the benchmark.
 */
public final class NaiveBayesProbe {
    private final int classes;
    private final double[] logPrior;
    private final Map<String, double[]> counts = new HashMap<>();
    private final double[] totals;
    private int vocabulary;

    private NaiveBayesProbe(int classes) {
        this.classes = classes;
        this.logPrior = new double[classes];
        this.totals = new double[classes];
    }

    /** Words: maximal runs of letters or digits, lower-cased. */
    static String[] words(String text) {
        return text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
    }

    public static NaiveBayesProbe train(TextDataset train) {
        NaiveBayesProbe nb = new NaiveBayesProbe(train.numClasses());
        int[] perClass = train.classCounts();
        for (int c = 0; c < nb.classes; c++) {
            nb.logPrior[c] = Math.log((perClass[c] + 1.0) / (train.size() + nb.classes));
        }
        for (int i = 0; i < train.size(); i++) {
            int y = train.label(i);
            for (String w : words(train.text(i))) {
                if (!w.isEmpty()) {
                    nb.counts.computeIfAbsent(w, k -> new double[nb.classes])[y]++;
                    nb.totals[y]++;
                }
            }
        }
        nb.vocabulary = nb.counts.size();
        return nb;
    }

    public int predict(String text) {
        double[] score = logPrior.clone();
        for (String w : words(text)) {
            double[] c = counts.get(w);
            if (c == null) {
                continue; // unseen words carry no evidence
            }
            for (int k = 0; k < classes; k++) {
                score[k] += Math.log((c[k] + 1) / (totals[k] + vocabulary));
            }
        }
        int best = 0;
        for (int k = 1; k < classes; k++) {
            if (score[k] > score[best]) {
                best = k;
            }
        }
        return best;
    }

    /** Accuracy on {@code d}. */
    public double accuracy(TextDataset d) {
        int right = 0;
        for (int i = 0; i < d.size(); i++) {
            if (predict(d.text(i)) == d.label(i)) {
                right++;
            }
        }
        return d.size() == 0 ? 0 : right / (double) d.size();
    }
}
