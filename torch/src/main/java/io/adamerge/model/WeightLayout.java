package io.adamerge.model;

import io.adamerge.checkpoint.CheckpointException;
import java.util.Collection;

/** How a checkpoint names the vision tower's weights. */
public enum WeightLayout {
    /** Hugging Face {@code CLIPVisionModel(WithProjection)} / {@code CLIPModel}: {@code vision_model.*}, {@code visual_projection.weight}. */
    HUGGING_FACE,
    /** open_clip (and OpenAI CLIP) {@code VisionTransformer}: {@code visual.*}. */
    OPEN_CLIP;

    /** Detects the layout from tensor names; {@code source} names the checkpoint in errors. */
    public static WeightLayout detect(Collection<String> names, String source) {
        boolean hf = names.contains(ClipKeys.PATCH_EMBEDDING);
        boolean openClip = names.contains(OpenClipLayout.CONV1);
        if (hf && openClip) {
            throw new CheckpointException(source + ": holds both a Hugging Face (" + ClipKeys.PATCH_EMBEDDING
                    + ") and an open_clip (" + OpenClipLayout.CONV1 + ") vision tower");
        }
        if (hf) {
            return HUGGING_FACE;
        }
        if (openClip) {
            return OPEN_CLIP;
        }
        throw new CheckpointException(source + ": not a CLIP vision tower: found neither '" + ClipKeys.PATCH_EMBEDDING
                + "' (Hugging Face) nor '" + OpenClipLayout.CONV1 + "' (open_clip)");
    }

    /** Whether a tensor of a checkpoint in this layout belongs to the vision tower. */
    public boolean isVisionKey(String name) {
        return this == HUGGING_FACE ? ClipKeys.isVisionKey(name) : name.startsWith(OpenClipLayout.PREFIX);
    }
}
