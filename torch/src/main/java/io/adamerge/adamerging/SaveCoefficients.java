package io.adamerge.adamerging;

import java.nio.file.Path;

/**
 * Saves the coefficients with their optimiser state every {@code every} steps (temporary file + rename), so a stopped
 * run resumes from the file exactly where it was ({@link Coefficients#load}).
 */
public record SaveCoefficients(Path file, int every) implements TrainerListener {
    public SaveCoefficients {
        if (every <= 0) {
            throw new IllegalArgumentException("save every must be > 0, got " + every);
        }
    }

    @Override
    public void afterStep(StepResult result, Coefficients updated) {
        if (updated.step() % every == 0) {
            updated.save(file);
        }
    }
}
