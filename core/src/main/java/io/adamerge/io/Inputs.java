package io.adamerge.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The files and folders a command reads, each with the option that named it, so that an output that would land on
 * one of them can be refused by name. Null paths are skipped.
 */
public final class Inputs {
    /** One input and the option (or config key) it came from. */
    public record Input(String option, Path path) {
    }

    private final List<Input> items = new ArrayList<>();

    public static Inputs of() {
        return new Inputs();
    }

    public Inputs add(String option, Path path) {
        if (path != null) {
            items.add(new Input(option, path));
        }
        return this;
    }

    public Inputs addAll(String option, Collection<Path> paths) {
        if (paths != null) {
            for (Path p : paths) {
                add(option, p);
            }
        }
        return this;
    }

    public List<Input> all() {
        return List.copyOf(items);
    }
}
