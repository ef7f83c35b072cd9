package io.adamerge.cli;

import io.adamerge.cli.bench.BenchCommand;
import io.adamerge.cli.bench.ClassDataTrainingCommand;
import io.adamerge.cli.checkpoint.DistanceCommand;
import io.adamerge.cli.checkpoint.ExtractLoraCommand;
import io.adamerge.cli.checkpoint.InspectCommand;
import io.adamerge.cli.merge.MergeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code adamerge} command line. */
@Command(name = "adamerge", mixinStandardHelpOptions = true, version = "adamerge 0.1.0",
        description = "Adaptive model merging: data-free merges, AdaMerging, studies.",
        subcommands = {
                CommandLine.HelpCommand.class,
                MergeCommand.class,
                InspectCommand.class,
                DistanceCommand.class,
                ExtractLoraCommand.class,
                DataCommand.class,
                BenchCommand.class,
                EmbedCommand.class,
                ImportCommand.class,
                AdaMergingCommand.class,
                ZooCommand.class,
                DemoCommand.class,
                StudyCommand.class,
                ClassDataTrainingCommand.class,
        })
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return CliErrors.install(new CommandLine(new Main())).execute(args);
    }
}
