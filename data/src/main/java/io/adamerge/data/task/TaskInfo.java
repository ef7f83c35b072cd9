package io.adamerge.data.task;

import io.adamerge.data.fetch.Source;
import java.util.List;
import java.util.Set;

/**
 * What a task is: its name, an honest one-line description (derived domains say how they are derived), the
 * sources it needs, its classes and the sizes its splits aim at (smaller when the source has fewer images).
 */
public record TaskInfo(String name, String description, TaskRole role, Set<Source> sources, List<String> classNames,
                       int trainTarget, int validationTarget, int testTarget) {
    public TaskInfo {
        sources = Set.copyOf(sources);
        classNames = List.copyOf(classNames);
    }

    public int numClasses() {
        return classNames.size();
    }
}
