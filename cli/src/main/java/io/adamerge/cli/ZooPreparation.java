package io.adamerge.cli;

import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.BenchmarkTasks;
import io.adamerge.data.task.TaskInfo;
import io.adamerge.model.WeightIO;
import io.adamerge.zoo.Backbones;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooBuilder;
import io.adamerge.zoo.ZooData;
import io.adamerge.zoo.ZooFiles;
import io.adamerge.zoo.ZooRecipe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The zoo a command that evaluates one ({@code demo}, {@code study}) runs on, made ready the way a fresh machine needs:
 * the data fetched, the backbone and zoo built or refreshed (cached), so the README's commands work without a prior
 * {@code zoo build}.
 */
final class ZooPreparation {
    private ZooPreparation() {
    }

    /**
     * The zoo to evaluate: an explicit --zoo that holds one is used as it is; otherwise the data is fetched and the zoo
     * built (or refreshed: {@link ZooBuilder} only trains what is missing or out of date).
     */
    static Zoo prepare(Path zoo, boolean quick, DataOptions data, PrintWriter w) {
        Path dir = zoo != null ? zoo : ZooOptions.defaultFolder(quick);
        if (zoo != null) {
            if (Files.isRegularFile(dir.resolve(ZooFiles.MANIFEST))) {
                Zoo existing = Zoo.open(dir);
                fetch(existing.recipe(), data.directory(), w);
                return existing;
            }
            if (Files.exists(dir) && !isEmptyDirectory(dir)) {
                throw new CheckpointException(dir + ": not a zoo (no " + ZooFiles.MANIFEST + ") and not an empty folder to build one "
                        + "in; give a zoo built by 'adamerge zoo build', a new folder, or leave --zoo out for the default zoo");
            }
        }
        ZooRecipe recipe = quick ? ZooRecipe.defaults().quick() : ZooRecipe.defaults();
        fetch(recipe, data.directory(), w);
        ZooData zooData = data.forRecipe(recipe);
        Path backbone = ZooCommand.defaultBackbone();
        if (quick || !Files.isRegularFile(backbone.resolve(WeightIO.HF_WEIGHTS))) {
            // the committed backbone is the default recipe's; any other is pretrained (and cached) next to the zoo
            Path committed = backbone.toAbsolutePath();
            backbone = dir.toAbsolutePath().resolveSibling(dir.getFileName() + "-backbone");
            if (!quick) {
                w.println("no committed backbone at " + committed + " (./adamerge finds it from any folder; a JVM started"
                        + " otherwise needs -D" + ZooCommand.HOME_PROPERTY + "=<the repository>): pretraining one in " + backbone + "; its zoo and numbers differ "
                        + "from the committed backbone's");
                w.flush();
            }
            Backbones.pretrain(recipe, 0, zooData, backbone, false, w);
        }
        ZooBuilder.Summary s = new ZooBuilder(recipe, 0, zooData, w).build(backbone, dir);
        w.printf(Locale.ROOT, "zoo %s: %d built, %d cached, %.1f s%n", dir.toAbsolutePath(), s.built().size(), s.cached().size(), s.seconds());
        w.flush();
        return Zoo.open(dir);
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    /** Gets the data sources of the recipe's tasks and of its pretraining task that are missing (as 'data fetch' does). */
    static void fetch(ZooRecipe recipe, DataDirectory dir, PrintWriter w) {
        List<TaskInfo> tasks = new ArrayList<>(recipe.tasks().stream().map(BenchmarkTasks::info).toList());
        String supervised = recipe.pretraining().supervisedTask();
        if (supervised != null && !supervised.isBlank()) {
            tasks.add(BenchmarkTasks.info(supervised));
        }
        Set<Source> sources = new LinkedHashSet<>(BenchmarkTasks.sourcesOf(tasks));
        List<DataFetcher.Outcome> outcomes = new DataFetcher(dir, line -> {
            w.println("  " + line);
            w.flush();
        }).fetch(sources);
        long fetched = outcomes.stream().filter(DataFetcher.Outcome::fetched).count();
        w.printf(Locale.ROOT, "data %s: %d sources present, %d fetched%n", dir.root(), outcomes.size() - fetched, fetched);
    }

}
