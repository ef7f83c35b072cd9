package io.adamerge.data.text;

import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.TaskRole;
import java.util.List;
import java.util.Set;

/**
 * A text classification task (the text counterpart of {@link io.adamerge.data.task.TaskInfo}): its name, an
 * honest one-line description, role, the sources it needs, its classes, a short English description of each class
 * (for zero-shot heads built like CLIP's) and the sizes its splits aim at.
 */
public record TextTask(String name, String description, TaskRole role, Set<Source> sources, List<String> classNames,
                       List<String> classDescriptions, int trainTarget, int validationTarget, int testTarget) {
    public TextTask {
        sources = Set.copyOf(sources);
        classNames = List.copyOf(classNames);
        classDescriptions = List.copyOf(classDescriptions);
        if (classNames.size() != classDescriptions.size()) {
            throw new IllegalArgumentException(name + ": " + classNames.size() + " classes but "
                    + classDescriptions.size() + " class descriptions");
        }
    }

    public int numClasses() {
        return classNames.size();
    }
}
