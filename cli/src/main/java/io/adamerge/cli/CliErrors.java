package io.adamerge.cli;

import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.data.DataException;
import io.adamerge.io.FileErrors;
import io.adamerge.merge.MergeConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The one error style of the command line, installed once on the root {@link CommandLine} ({@link #install}): every
 * error is one line on stderr, {@code adamerge <command>: error: <message>}, naming the file, tensor, key or option.
 * Commands never catch: they parse, call the library and print; what they throw lands here.
 * <ul>
 *   <li>{@value #USAGE_ERROR}: the command line itself (unknown option, missing value): picocli's message;</li>
 *   <li>{@value #INPUT_ERROR}: bad input (checkpoint, config, data, output location, a non-finite value);</li>
 *   <li>{@value #INTERNAL_ERROR}: anything else, a defect: one line too, the stack trace only with
 *       {@code ADAMERGE_DEBUG=1}.</li>
 * </ul>
 */
public final class CliErrors {
    public static final int INPUT_ERROR = 1;
    public static final int USAGE_ERROR = 2;
    public static final int INTERNAL_ERROR = 3;

    private CliErrors() {
    }

    /** Installs the one parameter and execution exception handler on {@code root} (and so on every subcommand). */
    public static CommandLine install(CommandLine root) {
        return root.setParameterExceptionHandler(USAGE).setExecutionExceptionHandler(EXECUTION);
    }

    private static final IParameterExceptionHandler USAGE = (ParameterException e, String[] args) -> {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + firstLine(e.getMessage()) + " (see " + cmd.getCommandSpec().qualifiedName() + " --help)");
        err.flush();
        return USAGE_ERROR;
    };

    private static final IExecutionExceptionHandler EXECUTION = (Exception e, CommandLine cmd, ParseResult parsed) -> {
        PrintWriter err = cmd.getErr();
        if (isInputError(e)) {
            err.println(prefix(cmd) + oneLine(message(e)));
            err.flush();
            return INPUT_ERROR;
        }
        err.println(prefix(cmd) + "internal error (" + e.getClass().getSimpleName() + "): " + oneLine(e.getMessage())
                + (debug() ? "" : " (ADAMERGE_DEBUG=1 shows the stack trace)"));
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return INTERNAL_ERROR;
    };

    /** The errors a user can cause, each with a message that names the culprit. */
    static boolean isInputError(Throwable e) {
        return e instanceof CheckpointException || e instanceof MergeConfigException || e instanceof DataException
                || e instanceof IllegalArgumentException || e instanceof UncheckedIOException
                || e instanceof IllegalStateException || e instanceof java.io.IOException;
    }

    /**
     * What went wrong, in words. The JDK's file-system exceptions mostly carry only the path as their message
     * ({@code NoSuchFileException: /a/b}), which alone does not say what is wrong with it: their kind is added.
     */
    static String message(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof FileSystemException fs && fs.getFile() != null) {
            return fs.getFile() + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + FileErrors.reason(fs);
        }
        return e.getMessage();
    }

    private static boolean debug() {
        String v = System.getenv("ADAMERGE_DEBUG");
        return v != null && !v.isBlank() && !v.equals("0");
    }

    private static String prefix(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName() + ": error: ";
    }

    /** A message on one line: a multi-line one (a parser's excerpt) is joined. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " | ");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
