package io.adamerge.train;

import java.util.Locale;

/** The learning rate (and Adam's β₁) at each step of a run; steps count from 0. */
public sealed interface LearningRateSchedule permits LearningRateSchedule.Constant, LearningRateSchedule.OneCycle {

    double lr(int step);

    double beta1(int step);

    /** A fixed learning rate and β₁. */
    record Constant(double lr, double beta1) implements LearningRateSchedule {
        @Override
        public double lr(int step) {
            return lr;
        }

        @Override
        public double beta1(int step) {
            return beta1;
        }
    }

    /**
     * PyTorch's {@code OneCycleLR} (two phases, cosine annealing): the learning rate rises from
     * {@code maxLr/divFactor} to {@code maxLr} over the first {@code warmupFraction} of the steps, then falls to
     * {@code maxLr/(divFactor·finalDivFactor)}; with {@code cycleMomentum}, β₁ moves the opposite way between
     * {@code maxMomentum} and {@code baseMomentum}.
     */
    record OneCycle(double maxLr, int totalSteps, double warmupFraction, double divFactor, double finalDivFactor,
                    boolean cycleMomentum, double baseMomentum, double maxMomentum, double fixedBeta1)
            implements LearningRateSchedule {

        public OneCycle {
            if (totalSteps < 1 || !(warmupFraction > 0 && warmupFraction < 1)) {
                throw new IllegalArgumentException("one-cycle needs steps >= 1 and 0 < warm-up fraction < 1, got "
                        + totalSteps + ", " + warmupFraction);
            }
        }

        /** PyTorch's defaults: div factor 25, final div factor 1e4, β₁ cycling between 0.85 and 0.95. */
        public static OneCycle pytorchDefaults(double maxLr, int totalSteps, double warmupFraction) {
            return new OneCycle(maxLr, totalSteps, warmupFraction, 25, 1e4, true, 0.85, 0.95, 0.9);
        }

        private double warmupEnd() {
            return warmupFraction * totalSteps - 1;
        }

        private double pct(int step, boolean[] rising) {
            double end = warmupEnd();
            if (step <= end) {
                rising[0] = true;
                return end <= 0 ? 1 : step / end;
            }
            rising[0] = false;
            double last = totalSteps - 1;
            return last <= end ? 1 : Math.min(1, (step - end) / (last - end));
        }

        private static double cosine(double start, double end, double pct) {
            return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
        }

        @Override
        public double lr(int step) {
            double initial = maxLr / divFactor;
            double min = initial / finalDivFactor;
            boolean[] rising = new boolean[1];
            double p = pct(step, rising);
            return rising[0] ? cosine(initial, maxLr, p) : cosine(maxLr, min, p);
        }

        @Override
        public double beta1(int step) {
            if (!cycleMomentum) {
                return fixedBeta1;
            }
            boolean[] rising = new boolean[1];
            double p = pct(step, rising);
            return rising[0] ? cosine(maxMomentum, baseMomentum, p) : cosine(baseMomentum, maxMomentum, p);
        }
    }

    /**
     * The schedule a recipe names: {@code constant} or {@code one-cycle} (PyTorch's defaults around {@code lr} as the
     * peak and {@code warmupFraction} of the steps rising).
     */
    static LearningRateSchedule of(String name, double lr, double beta1, int totalSteps, double warmupFraction) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "constant" -> new Constant(lr, beta1);
            case "one-cycle", "onecycle", "one_cycle" -> OneCycle.pytorchDefaults(lr, totalSteps, warmupFraction);
            default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "' (constant or one-cycle)");
        };
    }
}
