package io.adamerge.data.text;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** N texts with labels in {@code [0, classNames.size())}: one split of a text task. */
public record TextDataset(List<String> texts, int[] labels, List<String> classNames) {
    public TextDataset {
        texts = List.copyOf(texts);
        labels = labels.clone();
        classNames = List.copyOf(classNames);
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        for (int l : labels) {
            if (l < 0 || l >= classNames.size()) {
                throw new IllegalArgumentException("label " + l + " outside [0, " + classNames.size() + ")");
            }
        }
    }

    public int size() {
        return texts.size();
    }

    public String text(int i) {
        return texts.get(i);
    }

    public int label(int i) {
        return labels[i];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    public int numClasses() {
        return classNames.size();
    }

    /** How many texts each class has. */
    public int[] classCounts() {
        int[] c = new int[classNames.size()];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    /** The texts from {@code from} (inclusive) to {@code to} (exclusive), e.g. for a smaller evaluation. */
    public TextDataset slice(int from, int to) {
        return new TextDataset(texts.subList(from, to), Arrays.copyOfRange(labels, from, to), classNames);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextDataset d && texts.equals(d.texts) && Arrays.equals(labels, d.labels)
                && classNames.equals(d.classNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(texts, Arrays.hashCode(labels), classNames);
    }

    @Override
    public String toString() {
        return "TextDataset[" + size() + " texts, " + numClasses() + " classes]";
    }
}
