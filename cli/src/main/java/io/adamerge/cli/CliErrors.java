package io.adamerge.cli;

import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.merge.MergeConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** Runs a command body and turns the errors a user can cause into one line on stderr and exit code 1. */
public final class CliErrors {
    /** Exit code for bad input (checkpoints, configuration). Usage errors are picocli's 2. */
    public static final int INPUT_ERROR = 1;

    private CliErrors() {
    }

    public static int run(CommandSpec spec, Callable<Integer> body) {
        PrintWriter err = spec.commandLine().getErr();
        String command = spec.qualifiedName();
        try {
            return body.call();
        } catch (CheckpointException | MergeConfigException | IllegalArgumentException | UncheckedIOException e) {
            err.println(command + ": error: " + e.getMessage());
            err.flush();
            return INPUT_ERROR;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            err.println(command + ": error: " + e.getMessage());
            err.flush();
            return INPUT_ERROR;
        }
    }

    /** Prints {@code error: <message>} on the command's stderr and returns {@link #INPUT_ERROR}. */
    public static int report(CommandSpec spec, RuntimeException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: " + e.getMessage());
        err.flush();
        return INPUT_ERROR;
    }
}
