package io.adamerge.zoo;

import ai.djl.ndarray.NDManager;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.WeightIO;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code zoo pretrain}: pretrains the backbone once and saves it as a Hugging Face folder with its card. */
public final class Backbones {
    private Backbones() {
    }

    /** The cache key of a backbone: everything its weights depend on. */
    static String key(ZooRecipe recipe, long seed) {
        return ZooRecipe.hash(ZooBuilder.CODE_VERSION, "pretrained", recipe.architecture(), recipe.pixels(), recipe.pretraining(),
                recipe.tasks(), recipe.dataSeed(), seed);
    }

    /**
     * Pretrains into {@code out} (config.json, model.safetensors, preprocessor_config.json, card.json) unless a backbone
     * with the same key is already there (or {@code force}).
     *
     * @return the card of the backbone in {@code out}
     */
    public static ModelCard pretrain(ZooRecipe recipe, long seed, ZooData data, Path out, boolean force, PrintWriter log) {
        String key = key(recipe, seed);
        Path cardFile = out.resolve(ZooFiles.CARD);
        Optional<ModelCard> cached = ZooFiles.cached(cardFile, key);
        if (cached.isPresent() && !force) {
            log.println("backbone in " + out + " is up to date (key " + key + "); --force retrains it");
            return cached.get();
        }
        long t0 = System.nanoTime();
        try (NDManager manager = TorchRuntime.newManager()) {
            Pretrainer.Result r = Pretrainer.train(recipe, seed, data, manager, "pretrain");
            Files.createDirectories(out);
            Files.deleteIfExists(cardFile); // the card goes last
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("kind", "pretrained");
            meta.put("key", key);
            WeightIO.save(r.weights(), out, recipe.architecture().toConfig(), meta);
            ZooFiles.writePreprocessor(out, recipe.architecture(), recipe.pixels());
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("architecture", recipe.architecture());
            sections.put("pixels", recipe.pixels());
            sections.put("pretraining", recipe.pretraining());
            ModelCard card = new ModelCard("pretrained", null, recipe.tasks(),
                    List.of(WeightIO.HF_CONFIG, WeightIO.HF_WEIGHTS, ZooFiles.PREPROCESSOR), key, recipe.hash(), seed, r.data(), null,
                    ModelCard.TrainingLog.of(r.losses(), recipe.pretraining().supervisedBatch() + recipe.pretraining().rotationBatch(),
                            ZooBuilder.describe(recipe.pretraining().optimizer())),
                    sections, ZooFiles.sha256(out.resolve(WeightIO.HF_WEIGHTS)), Instant.now().toString(), ZooBuilder.round(seconds));
            ZooFiles.writeJson(cardFile, card);
            log.printf(Locale.ROOT, "pretrained backbone saved to %s: %d steps, final loss %.3f (%.0f s)%n", out,
                    recipe.pretraining().steps(), card.training().finalLoss(), seconds);
            return card;
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the backbone (" + e.getMessage() + ")", e);
        }
    }
}
