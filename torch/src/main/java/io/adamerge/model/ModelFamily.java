package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A kind of network adamerge can merge, run and adapt: the CLIP vision transformer ({@link ClipVisionFamily}) and,
 * next, BERT-style text encoders. A family knows its config, the weight layouts checkpoints name its tensors in, how
 * to load one into an {@link Encoder}, and what inputs that encoder takes. Families are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.adamerge.model.ModelFamily}); see {@link ModelFamilies}.
 */
public interface ModelFamily {
    /** A short id: {@code clip-vision}, {@code bert}. */
    String name();

    /** The weight layouts this family reads, the canonical one first. */
    List<? extends WeightLayout<?>> layouts();

    /** Whether a checkpoint with these tensor names holds a model of this family (in any of its layouts). */
    default boolean recognises(Collection<String> tensorNames) {
        return layouts().stream().anyMatch(l -> l.recognises(tensorNames));
    }

    /**
     * Loads this family's model from a checkpoint (a safetensors file, a sharded index or a Hugging Face directory).
     *
     * @param configFile the family's config JSON, or null to use the checkpoint directory's {@code config.json} or
     *                   what the tensor shapes tell
     */
    Loaded load(Path checkpoint, Path configFile, NDManager manager);

    /** A checkpoint's model: its encoder and its float weights on the manager they were loaded to. */
    record Loaded(Encoder encoder, Map<String, NDArray> weights) {
    }
}
