package io.adamerge.adamerging;

import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Examples;

/** One task of a test-time merge: its frozen head and its unlabelled examples (heads are never merged). */
public interface TestTimeTask {
    String name();

    ClassificationHead head();

    Examples examples();

    static TestTimeTask of(String name, ClassificationHead head, Examples examples) {
        record Plain(String name, ClassificationHead head, Examples examples) implements TestTimeTask {
        }
        return new Plain(name, head, examples);
    }
}
