package io.adamerge.model;

import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The model families on the class path, found through {@link ServiceLoader}. */
public final class ModelFamilies {
    private ModelFamilies() {
    }

    /** Every registered family, in service-file order. */
    public static List<ModelFamily> all() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, ModelFamily.class.getClassLoader()).forEach(out::add);
        return out;
    }

    /** The family by {@link ModelFamily#name()}. */
    public static ModelFamily byName(String name) {
        for (ModelFamily f : all()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no model family '" + name + "'; known: " + all().stream().map(ModelFamily::name).toList());
    }

    /** The family whose tensor names the checkpoint holds. */
    public static ModelFamily detect(Path checkpoint) {
        try (Checkpoint c = Checkpoint.open(checkpoint)) {
            List<ModelFamily> matches = all().stream().filter(f -> f.recognises(c.names())).toList();
            if (matches.isEmpty()) {
                throw new CheckpointException(c.source() + ": holds no model of a known family "
                        + all().stream().map(ModelFamily::name).toList());
            }
            if (matches.size() > 1) {
                throw new CheckpointException(c.source() + ": holds models of several families "
                        + matches.stream().map(ModelFamily::name).toList());
            }
            return matches.get(0);
        }
    }

    /** Loads a checkpoint with the family it belongs to. */
    public static ModelFamily.Loaded load(Path checkpoint, Path configFile, NDManager manager) {
        return detect(checkpoint).load(checkpoint, configFile, manager);
    }
}
