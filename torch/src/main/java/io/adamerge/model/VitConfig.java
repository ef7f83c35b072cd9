package io.adamerge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shape of a CLIP vision tower, in the terms of Hugging Face {@code CLIPVisionConfig}.
 *
 * @param projectionDim output size of the visual projection, or 0 when the tower has none
 */
public record VitConfig(int imageSize, int patchSize, int numChannels, int hiddenSize, int numLayers, int numHeads,
                        int intermediateSize, int projectionDim, double layerNormEps, HiddenAct hiddenAct)
        implements ModelConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    public VitConfig {
        positive("image_size", imageSize);
        positive("patch_size", patchSize);
        positive("num_channels", numChannels);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("intermediate_size", intermediateSize);
        if (projectionDim < 0) {
            throw new IllegalArgumentException("projection_dim must be >= 0 (0 = no projection), got " + projectionDim);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
        if (hiddenAct == null) {
            throw new IllegalArgumentException("hidden_act is required");
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    /** ViT-B/32 as in OpenAI CLIP (224 px, 12 layers of width 768, projection to 512). */
    public static VitConfig vitB32() {
        return new VitConfig(224, 32, 3, 768, 12, 12, 3072, 512, 1e-5, HiddenAct.QUICK_GELU);
    }

    /** ViT-B/16 as in OpenAI CLIP. */
    public static VitConfig vitB16() {
        return new VitConfig(224, 16, 3, 768, 12, 12, 3072, 512, 1e-5, HiddenAct.QUICK_GELU);
    }

    /** ViT-L/14 as in OpenAI CLIP (24 layers of width 1024, 16 heads, projection to 768). */
    public static VitConfig vitL14() {
        return new VitConfig(224, 14, 3, 1024, 24, 16, 4096, 768, 1e-5, HiddenAct.QUICK_GELU);
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Patches plus the class token. */
    public int numPositions() {
        return gridSize() * gridSize() + 1;
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    public boolean hasProjection() {
        return projectionDim > 0;
    }

    /** Width of {@link VisionOutput#embeddings()}: the projection's output, or the hidden size without one. */
    @Override
    public int embeddingDim() {
        return hasProjection() ? projectionDim : hiddenSize;
    }

    public VitConfig withProjectionDim(int dim) {
        return new VitConfig(imageSize, patchSize, numChannels, hiddenSize, numLayers, numHeads, intermediateSize,
                dim, layerNormEps, hiddenAct);
    }

    /** A Hugging Face {@code config.json} for {@code CLIPVisionModelWithProjection} (or {@code CLIPVisionModel}). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(hasProjection() ? "CLIPVisionModelWithProjection" : "CLIPVisionModel");
        o.put("model_type", "clip_vision_model");
        o.put("image_size", imageSize);
        o.put("patch_size", patchSize);
        o.put("num_channels", numChannels);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        if (hasProjection()) {
            o.put("projection_dim", projectionDim);
        }
        o.put("layer_norm_eps", layerNormEps);
        o.put("hidden_act", hiddenAct.hfName());
        o.put("torch_dtype", "float32");
        return o;
    }

    /**
     * Reads a Hugging Face {@code CLIPVisionConfig} JSON, or the {@code vision_config} of a full {@code CLIPConfig}.
     * Every field must be present except those with CLIP defaults (channels 3, eps 1e-5, quick_gelu, no projection).
     */
    public static VitConfig fromJson(Path file) {
        JsonNode vision = readVisionSection(file);
        try {
            return new VitConfig(
                    required(vision, "image_size", file), required(vision, "patch_size", file),
                    vision.path("num_channels").asInt(3), required(vision, "hidden_size", file),
                    required(vision, "num_hidden_layers", file), required(vision, "num_attention_heads", file),
                    required(vision, "intermediate_size", file), vision.path("projection_dim").asInt(0),
                    vision.path("layer_norm_eps").asDouble(1e-5), HiddenAct.parse(vision.path("hidden_act").asText("quick_gelu")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The vision part of a config file: the object itself for a {@code CLIPVisionConfig}, its
     * {@code vision_config} for a full {@code CLIPConfig} (whose top-level {@code projection_dim} is copied in).
     */
    static JsonNode readVisionSection(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a readable JSON config (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": config is not a JSON object");
        }
        if (root.has("vision_config")) {
            JsonNode v = root.get("vision_config");
            if (!v.isObject()) {
                throw new CheckpointException(file + ": vision_config is not a JSON object");
            }
            ObjectNode copy = ((ObjectNode) v).deepCopy();
            if (!copy.has("projection_dim") && root.has("projection_dim")) {
                copy.set("projection_dim", root.get("projection_dim"));
            }
            return copy;
        }
        return root;
    }

    private static int required(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new CheckpointException(file + ": config has no integer '" + field + "'");
        }
        return v.asInt();
    }
}
