package io.adamerge.train;

import java.io.OutputStream;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on standard error for long work; {@code -Dadamerge.progress=false} turns them off. */
public final class Progress {
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    private Progress() {
    }

    /** A bar counting {@code total} units of {@code task}; close it when done. */
    public static ProgressBar bar(String task, long total) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(enabled() ? System.err : NOWHERE)).build();
    }

    /** A bar that prints nothing (for inner loops that a caller reports on). */
    public static ProgressBar silent(long total) {
        return new ProgressBarBuilder().setInitialMax(total).setConsumer(new ConsoleProgressBarConsumer(NOWHERE)).build();
    }

    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty("adamerge.progress", "true"));
    }
}
