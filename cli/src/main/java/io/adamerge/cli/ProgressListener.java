package io.adamerge.cli;

import io.adamerge.merge.MergeListener;
import io.adamerge.merge.data.DataMergeListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr: over tensors for data-free merges, over images for data-driven ones (fisher, regmean). */
public final class ProgressListener implements MergeListener, DataMergeListener {
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
        bar = newBar(totalSteps, " tensors");
    }

    private ProgressBar newBar(long total, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setUnit(unit, 1).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    /** Images of a data-driven merge: the bar opens at the first report, which carries the total. */
    @Override
    public void processed(long done, long total) {
        if (!enabled) {
            return;
        }
        if (bar == null) {
            bar = newBar(total, " images");
        }
        bar.stepTo(done);
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
