package io.adamerge.cli;

import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.text.TextTasks;
import io.adamerge.zoo.TextZoo;
import io.adamerge.zoo.TextZooBuilder;
import io.adamerge.zoo.TextZooRecipe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** The text zoo a command runs on: its data fetched when missing, the zoo built or refreshed (cached). */
final class TextZooPreparation {
    private TextZooPreparation() {
    }

    /** The default text zoo folder: {@code $ADAMERGE_ZOO_TEXT}, else {@code ~/.cache/adamerge/zoo-text} ({@code -quick} for --quick). */
    static Path defaultFolder(boolean quick) {
        String env = System.getenv("ADAMERGE_ZOO_TEXT");
        Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "adamerge", "zoo-text");
        return quick ? base.resolveSibling(base.getFileName() + "-quick") : base;
    }

    static TextZooRecipe recipe(Path file, boolean quick) {
        TextZooRecipe r = file == null ? TextZooRecipe.defaults() : TextZooRecipe.load(file);
        return quick ? r.quick() : r;
    }

    /** Fetches what is missing, builds (or refreshes) the zoo in {@code out} (null: the default folder), opens it. */
    static TextZoo build(Path out, Path recipeFile, long seed, boolean quick, DataOptions data, PrintWriter w) {
        TextZooRecipe recipe = recipe(recipeFile, quick);
        Path dir = out != null ? out : defaultFolder(quick);
        DataDirectory dataDir = data.directory();
        var sources = TextTasks.sourcesOf(recipe.tasks().stream().map(TextTasks::info).toList());
        new DataFetcher(dataDir, line -> {
            w.println("  " + line);
            w.flush();
        }).fetch(sources);
        TextZooBuilder.Summary s = new TextZooBuilder(recipe, seed, dataDir, w).build(dir);
        w.printf(Locale.ROOT, "text zoo %s: %d built, %d cached, %.1f s%n", dir.toAbsolutePath(), s.built().size(), s.cached().size(),
                s.seconds());
        w.flush();
        return TextZoo.open(dir);
    }

    /** What {@code --pool} names: the text zoo's full fine-tunes, or its LoRA adapters ({@link TextZoo#loraPool()}). */
    static TextZoo pool(TextZoo zoo, String pool) {
        return switch (pool == null ? "full" : pool.trim().toLowerCase(Locale.ROOT)) {
            case "full" -> zoo;
            case "lora" -> zoo.loraPool();
            default -> throw new IllegalArgumentException("--pool must be full or lora, got '" + pool + "'");
        };
    }

    /** Refuses {@code --pool lora} off the text benchmark (the image zoo has no adapters). */
    static void checkPool(String pool, boolean text) {
        if (!text && pool != null && !pool.trim().equalsIgnoreCase("full")) {
            throw new IllegalArgumentException("--pool " + pool + " needs --benchmark text (only the text zoo has LoRA adapters)");
        }
    }
}
