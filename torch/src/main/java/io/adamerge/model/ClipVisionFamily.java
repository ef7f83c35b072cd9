package io.adamerge.model;

import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The CLIP vision transformer family: config {@link VitConfig}, layouts {@link ClipLayout#HUGGING_FACE} (canonical)
 * and {@link ClipLayout#OPEN_CLIP}, encoder {@link ClipVisionModel} taking {@link PixelBatch}es (preprocessed by
 * {@link ClipImageProcessor} or the data module), heads on the projected image embedding.
 */
public final class ClipVisionFamily implements ModelFamily {
    public static final ClipVisionFamily INSTANCE = new ClipVisionFamily();
    public static final String NAME = "clip-vision";

    /** For {@link java.util.ServiceLoader}; use {@link #INSTANCE}. */
    public ClipVisionFamily() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ClipLayout> layouts() {
        return List.of(ClipLayout.HUGGING_FACE, ClipLayout.OPEN_CLIP);
    }

    /** The layout tensor names show; {@code source} names the checkpoint in errors. */
    public ClipLayout detect(Collection<String> names, String source) {
        List<ClipLayout> found = layouts().stream().filter(l -> l.recognises(names)).toList();
        if (found.size() > 1) {
            throw new CheckpointException(source + ": holds both a Hugging Face (" + ClipLayout.HUGGING_FACE.signature()
                    + ") and an open_clip (" + ClipLayout.OPEN_CLIP.signature() + ") vision tower");
        }
        if (found.isEmpty()) {
            throw new CheckpointException(source + ": not a CLIP vision tower: found neither '" + ClipLayout.HUGGING_FACE.signature()
                    + "' (Hugging Face) nor '" + ClipLayout.OPEN_CLIP.signature() + "' (open_clip)");
        }
        return found.get(0);
    }

    @Override
    public Loaded load(Path checkpoint, Path configFile, NDManager manager) {
        ClipVisionModel.Loaded loaded = ClipVisionModel.load(checkpoint, configFile, manager);
        return new Loaded(loaded.model(), loaded.weights());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipVisionFamily;
    }

    @Override
    public int hashCode() {
        return NAME.hashCode();
    }
}
