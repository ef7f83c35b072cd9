package io.adamerge.adamerging;

import java.util.List;

/**
 * Settings of an AdaMerging run; {@link #defaults} are the official implementation's. They say how the test-time
 * parts are put together ({@link #transform}, {@link #objective}, {@link #optimizer}); the four variants are
 * {@link #PRESETS}.
 *
 * @param granularity  one coefficient per task, or per task and parameter tensor
 * @param plus         AdaMerging++: the task-vector transform is the Ties trim ({@link TiesTrim}) instead of none
 * @param tiesDensity  fraction of each task vector kept by the Ties trim (++ only)
 * @param steps        optimiser steps (a resumed run does the steps still missing to reach this count)
 * @param batchSize    unlabelled images per task and step (a task with fewer images uses all of them)
 * @param initialValue λ of every coefficient when no initial coefficients are given
 * @param seed         fixes the batches; the same seed gives bit-identical coefficients
 * @param passActivationMb bound on the activations of one forward and backward pass, in MiB, as the encoder estimates
 *                     them: consecutive tasks' batches share a pass while they fit (a task's batch is never split), so
 *                     a small model runs all tasks in one pass as the official code, and a large one a pass per task or
 *                     two (one pass's activations in memory at a time; the loss and dL/dλ are the same sums, added in
 *                     another order); 0: all tasks in one pass whatever the size
 */
public record AdaMergingConfig(Granularity granularity, boolean plus, double tiesDensity, int steps, double learningRate,
                               double beta1, double beta2, double epsilon, int batchSize, float initialValue, long seed,
                               int passActivationMb) {
    public static final double DEFAULT_DENSITY = 0.2;
    public static final int DEFAULT_STEPS = 500;
    public static final double DEFAULT_LR = 1e-3;
    public static final int DEFAULT_BATCH = 16;
    public static final float DEFAULT_INITIAL = 0.3f;
    /** See {@code passActivationMb}: ViT-B/32 fits one task of 16 images (0.6 GB), MiniLM-L6 eight of 16 short texts. */
    public static final int DEFAULT_PASS_ACTIVATION_MB = 1024;
    public static final long MB = 1L << 20;

    public AdaMergingConfig {
        if (granularity == null) {
            throw new IllegalArgumentException("granularity is required");
        }
        if (!(tiesDensity > 0 && tiesDensity <= 1)) {
            throw new IllegalArgumentException("Ties density must be in (0, 1], got " + tiesDensity);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("Adam eps must be >= 0, got " + epsilon);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        if (passActivationMb < 0) {
            throw new IllegalArgumentException("a pass's activation bound must be >= 0 MiB (0: all tasks in one pass), got "
                    + passActivationMb);
        }
        if (!Float.isFinite(initialValue)) {
            throw new IllegalArgumentException("initial λ must be finite");
        }
    }

    /** Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8, 500 steps, 16 images per task, λ = 0.3, Ties density 0.2, seed 0, passes of at most 1 GiB of activations. */
    public static AdaMergingConfig defaults(Granularity granularity, boolean plus) {
        return new AdaMergingConfig(granularity, plus, DEFAULT_DENSITY, DEFAULT_STEPS, DEFAULT_LR, 0.9, 0.999, 1e-8,
                DEFAULT_BATCH, DEFAULT_INITIAL, 0L, DEFAULT_PASS_ACTIVATION_MB);
    }

    public AdaMergingConfig withSteps(int n) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, n, learningRate, beta1, beta2, epsilon, batchSize, initialValue, seed, passActivationMb);
    }

    public AdaMergingConfig withBatchSize(int b) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, steps, learningRate, beta1, beta2, epsilon, b, initialValue, seed, passActivationMb);
    }

    public AdaMergingConfig withSeed(long s) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, steps, learningRate, beta1, beta2, epsilon, batchSize, initialValue, s, passActivationMb);
    }

    public AdaMergingConfig withLearningRate(double lr) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, steps, lr, beta1, beta2, epsilon, batchSize, initialValue, seed, passActivationMb);
    }

    public AdaMergingConfig withInitialValue(float v) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, steps, learningRate, beta1, beta2, epsilon, batchSize, v, seed, passActivationMb);
    }

    public AdaMergingConfig withPassActivationMb(int n) {
        return new AdaMergingConfig(granularity, plus, tiesDensity, steps, learningRate, beta1, beta2, epsilon, batchSize, initialValue, seed, n);
    }

    public AdaMergingConfig withTiesDensity(double d) {
        return new AdaMergingConfig(granularity, plus, d, steps, learningRate, beta1, beta2, epsilon, batchSize, initialValue, seed, passActivationMb);
    }

    /** The four variants by their names, with the official settings. */
    public static final List<String> PRESETS = List.of("tw_adamerging", "lw_adamerging", "tw_adamerging_pp", "lw_adamerging_pp");

    /** A preset by name ({@link #PRESETS}): {@link #defaults} of its granularity and task-vector transform. */
    public static AdaMergingConfig preset(String name) {
        for (Granularity g : Granularity.values()) {
            for (boolean plus : new boolean[] {false, true}) {
                AdaMergingConfig c = defaults(g, plus);
                if (c.methodName().equals(name)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("no AdaMerging preset '" + name + "'; presets: " + PRESETS);
    }

    /** What is done to the task vectors before merging: nothing, or the Ties trim (++). */
    public TaskVectorTransform transform() {
        return plus ? new TiesTrim(tiesDensity) : TaskVectorTransform.NONE;
    }

    /** Shannon entropy of each task's predictions. */
    public Objective objective() {
        return EntropyObjective.INSTANCE;
    }

    /** PyTorch's Adam with these settings. */
    public Optimizer optimizer() {
        return new PyTorchAdam.Settings(learningRate, beta1, beta2, epsilon);
    }

    /** The method's name in tables and metadata: {@code tw_adamerging}, {@code lw_adamerging_pp}, ... */
    public String methodName() {
        return (granularity == Granularity.TASK ? "tw" : "lw") + "_adamerging" + (plus ? "_pp" : "");
    }
}
