package io.adamerge.cli.bench;

import picocli.CommandLine.Command;

/** {@code adamerge bench}: benchmarks (speed targets are measured here, never asserted in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchMergeCommand.class})
public final class BenchCommand {
}
