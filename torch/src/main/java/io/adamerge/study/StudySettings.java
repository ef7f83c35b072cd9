package io.adamerge.study;

import java.util.List;

/**
 * How large the studies are. {@link #full()} is the paper-sized run (≤ 30 minutes on 2 cores for all five),
 * {@link #quick()} a smoke run of a few images and steps (and λ 0, 0.3, 0.6, 1 for the sensitivity curve).
 *
 * @param testImages       labelled test images per task for every evaluation (the first ones of the split; 0: all)
 * @param evalBatch        images per forward pass when evaluating
 * @param adaSteps         AdaMerging optimiser steps per run
 * @param adaBatch         unlabelled images per task and AdaMerging step
 * @param lambda           λ of the Task Arithmetic and Ties rows (0.3 in the paper)
 * @param tiesDensity      fraction of each task vector Ties (and AdaMerging++) keep
 * @param entropyDraws     random layer-wise coefficient vectors in the entropy study
 * @param entropyMaxLambda random λ are uniform in [0, entropyMaxLambda]
 * @param trajectoryEvery  the entropy study evaluates the AdaMerging trajectory every this many steps
 * @param severity         corruption severity of the robustness study (1..5)
 * @param sensitivityLambdas λ grid of the sensitivity study
 * @param seed             seeds the random draws, the corruptions and the AdaMerging batches
 */
public record StudySettings(int testImages, int evalBatch, int adaSteps, int adaBatch, double lambda, double tiesDensity,
                            int entropyDraws, double entropyMaxLambda, int trajectoryEvery, int severity,
                            List<Double> sensitivityLambdas, long seed) {
    public StudySettings {
        sensitivityLambdas = List.copyOf(sensitivityLambdas);
        if (testImages < 0 || evalBatch < 1 || adaSteps < 0 || adaBatch < 1 || entropyDraws < 0 || trajectoryEvery < 1) {
            throw new IllegalArgumentException("study settings must be non-negative (batches and trajectoryEvery ≥ 1): " + this);
        }
        if (severity < 1 || severity > 5) {
            throw new IllegalArgumentException("severity must be 1..5, got " + severity);
        }
        if (!(tiesDensity > 0 && tiesDensity <= 1)) {
            throw new IllegalArgumentException("Ties density must be in (0, 1], got " + tiesDensity);
        }
    }

    /** λ = 0.0, 0.1, ..., 1.0. */
    public static List<Double> lambdaGrid() {
        return java.util.stream.IntStream.rangeClosed(0, 10).mapToObj(i -> i / 10.0).toList();
    }

    public static StudySettings full() {
        return new StudySettings(500, 250, 200, 16, 0.3, 0.2, 40, 0.6, 20, 3, lambdaGrid(), 0L);
    }

    /**
     * The text benchmark's default: its encoder costs far more per example than the image ViT, so 100 test texts per
     * task, 50 AdaMerging steps, 20 random draws with the trajectory every 10 steps.
     */
    public static StudySettings text() {
        return new StudySettings(100, 64, 50, 16, 0.3, 0.2, 20, 0.6, 10, 3, lambdaGrid(), 0L);
    }

    public static StudySettings quick() {
        return new StudySettings(16, 32, 3, 8, 0.3, 0.2, 4, 0.6, 1, 3, List.of(0.0, 0.3, 0.6, 1.0), 0L);
    }

    public StudySettings withAdaSteps(int steps) {
        return new StudySettings(testImages, evalBatch, steps, adaBatch, lambda, tiesDensity, entropyDraws, entropyMaxLambda,
                trajectoryEvery, severity, sensitivityLambdas, seed);
    }

    public StudySettings withSeverity(int s) {
        return new StudySettings(testImages, evalBatch, adaSteps, adaBatch, lambda, tiesDensity, entropyDraws, entropyMaxLambda,
                trajectoryEvery, s, sensitivityLambdas, seed);
    }

    public StudySettings withTestImages(int n) {
        return new StudySettings(n, evalBatch, adaSteps, adaBatch, lambda, tiesDensity, entropyDraws, entropyMaxLambda,
                trajectoryEvery, severity, sensitivityLambdas, seed);
    }
}
