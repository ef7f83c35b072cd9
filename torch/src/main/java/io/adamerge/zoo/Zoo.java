package io.adamerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.ImageSpec;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.train.PixelNormalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A built zoo on disk (see {@link ZooBuilder}): the pretrained backbone, per task a fine-tuned model and its frozen
 * head, and the multi-task model, all as safetensors with Hugging Face {@code config.json}s. Images must be
 * normalised with {@link #pixels()} before they go into these models.
 */
public final class Zoo {
    private final Path root;
    private final ZooManifest manifest;

    private Zoo(Path root, ZooManifest manifest) {
        this.root = root;
        this.manifest = manifest;
    }

    /** Opens the zoo in {@code dir}, failing with a message when it has not been built. */
    public static Zoo open(Path dir) {
        ZooManifest m = readManifest(dir).orElseThrow(() -> new CheckpointException(dir + ": no zoo here (" + ZooFiles.MANIFEST
                + " is missing or unreadable); build one with 'adamerge zoo build --out " + dir + "'"));
        return new Zoo(dir, m);
    }

    static Optional<ZooManifest> readManifest(Path dir) {
        Path file = dir.resolve(ZooFiles.MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZooFiles.JSON.readValue(file.toFile(), ZooManifest.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public Path root() {
        return root;
    }

    public ZooManifest manifest() {
        return manifest;
    }

    public ZooRecipe recipe() {
        return manifest.recipe();
    }

    public List<String> tasks() {
        return manifest.tasks().stream().map(ZooManifest.TaskEntry::name).toList();
    }

    public PixelNormalization pixels() {
        return recipe().pixels().normalization();
    }

    public ImageSpec imageSpec() {
        return recipe().architecture().imageSpec();
    }

    public Path pretrainedDir() {
        return root.resolve(manifest.pretrained());
    }

    public Path multitaskDir() {
        return root.resolve(manifest.multitask());
    }

    public Path modelDir(String task) {
        return root.resolve(entry(task).model());
    }

    public Path headFile(String task) {
        return root.resolve(entry(task).head());
    }

    private ZooManifest.TaskEntry entry(String task) {
        return manifest.tasks().stream().filter(t -> t.name().equals(task)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the zoo in " + root + " has no task '" + task + "'; it has " + tasks()));
    }

    /** A model folder's weights on {@code manager}. */
    public static Map<String, NDArray> weights(Path modelDir, NDManager manager) {
        return ClipVisionModel.load(modelDir, null, manager).weights();
    }

    public ClipVisionModel.Loaded pretrained(NDManager manager) {
        return ClipVisionModel.load(pretrainedDir(), null, manager);
    }

    public ClassificationHead head(String task, NDManager manager) {
        return ClassificationHead.load(headFile(task), manager);
    }
}
