package io.adamerge.data.text;

/**
 * One labelled text as a reader finds it in a source: the text, its label (a class name) and its group, the unit
 * that splits keep together (a document, a chapter, a dictionary entry, a source package) so that near-copies
 * never straddle train and test.
 */
public record TextExample(String text, String label, String group) {
    public TextExample {
        if (text == null || label == null || group == null) {
            throw new IllegalArgumentException("text, label and group must not be null");
        }
    }
}
