package io.adamerge.study;

import io.adamerge.data.ImageDataset;
import io.adamerge.data.text.TextDataset;

/** A labelled split of one task as the studies use it: the images of the image benchmark, the texts of the text one. */
public sealed interface TaskSplit permits TaskSplit.Images, TaskSplit.Texts {
    /** For messages and progress bars. */
    String name();

    int size();

    record Images(ImageDataset data) implements TaskSplit {
        @Override
        public String name() {
            return data.name();
        }

        @Override
        public int size() {
            return data.size();
        }
    }

    record Texts(String name, TextDataset data) implements TaskSplit {
        @Override
        public int size() {
            return data.size();
        }
    }
}
