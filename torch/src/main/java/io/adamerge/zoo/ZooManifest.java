package io.adamerge.zoo;

import java.util.List;

/**
 * {@code zoo.json}: what a built zoo holds, written last by {@link ZooBuilder}. Paths are relative to the zoo folder.
 *
 * @param pretrained the backbone's Hugging Face folder (config.json, model.safetensors, card.json)
 * @param multitask  the jointly trained model's folder
 */
public record ZooManifest(int version, String recipeHash, long seed, ZooRecipe recipe, String backboneSha256,
                          String pretrained, String multitask, List<TaskEntry> tasks, String created, double seconds) {
    public static final int VERSION = 1;

    /**
     * @param model the fine-tuned model's folder (config.json, model.safetensors, card.json)
     * @param head  the frozen head's safetensors file
     */
    public record TaskEntry(String name, List<String> classes, String model, String head) {
    }
}
