package io.adamerge.cli;

import io.adamerge.merge.MergeListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar over tensors on stderr. */
public final class ProgressListener implements MergeListener {
    private final String task;
    private final boolean enabled;
    private ProgressBar bar;

    public ProgressListener(String task, boolean enabled) {
        this.task = task;
        this.enabled = enabled;
    }

    @Override
    public void begin(long totalSteps) {
        if (!enabled) {
            return;
        }
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setUnit(" tensors", 1).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    @Override
    public void step(String phase, String tensor) {
        if (bar != null) {
            bar.setExtraMessage(" " + phase);
            bar.step();
        }
    }

    @Override
    public void end() {
        if (bar != null) {
            bar.maxHint(bar.getCurrent()); // passes found unnecessary on the way leave fewer steps than announced
            bar.close();
            bar = null;
        }
    }
}
