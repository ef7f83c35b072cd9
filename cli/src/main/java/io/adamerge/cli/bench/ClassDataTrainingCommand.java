package io.adamerge.cli.bench;

import io.adamerge.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code adamerge class-data-training} (hidden): the launcher runs it once per build under
 * {@code -XX:ArchiveClassesAtExit}, so that the classes a data-free merge and the command line load go into a
 * class-data archive that later launches map instead of loading and verifying them again. It merges three tiny
 * generated checkpoints with task_arithmetic and Ties (both scopes) and prints some help, all in this JVM.
 */
@Command(name = "class-data-training", hidden = true,
        description = "Load the classes of common commands (tiny merges, help), for the launcher's class-data archive.")
public final class ClassDataTrainingCommand implements Callable<Integer> {
    private static final long TINY_BYTES = 64 * 1024;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("adamerge-cds-");
        try {
            Path base = work.resolve("base.safetensors");
            BenchMergeCommand.generate(base, TINY_BYTES, 0, 0.05f, null);
            List<String> models = new ArrayList<>();
            for (int k = 1; k <= 2; k++) {
                Path p = work.resolve("ft_" + k + ".safetensors");
                BenchMergeCommand.generate(p, TINY_BYTES, k, 0.002f, base);
                models.add(p.toString());
            }
            Path out = work.resolve("merged.safetensors");
            int failures = 0;
            for (List<String> method : List.of(List.of("--method", "task_arithmetic"), List.of("--method", "ties"),
                    List.of("--method", "ties", "--ties-scope", "per-tensor"))) {
                List<String> args = new ArrayList<>(List.of("merge", "--no-progress", "--report-peak-memory",
                        "--threads", "2", "--force", "--chunk-size", "1024", "--base", base.toString()));
                args.addAll(method);
                args.add("--models");
                args.addAll(models);
                args.addAll(List.of("--out", out.toString()));
                failures += Main.run(args.toArray(String[]::new)) == 0 ? 0 : 1;
            }
            failures += Main.run("--help") == 0 ? 0 : 1;
            failures += Main.run("merge", "--help") == 0 ? 0 : 1;
            return failures == 0 ? 0 : 1;
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
