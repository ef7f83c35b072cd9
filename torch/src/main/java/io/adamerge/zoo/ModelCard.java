package io.adamerge.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a zoo file is and how it was made, written as {@code card.json} next to it once it is complete. A cached
 * result is reused only when its card's {@code key} (a hash of everything that determines the result) matches.
 *
 * @param kind     {@code pretrained}, {@code head}, {@code finetuned} or {@code multitask}
 * @param task     the task of a head or fine-tuned model, else null
 * @param tasks    the tasks a multi-task model (or the rotation loss of pretraining) was trained on
 * @param files    the files this card describes, relative to its folder
 * @param data     the data each task contributed
 * @param accuracy percent top-1 accuracy by split ({@code train}, {@code validation}, {@code test}); on the test split
 *                 of each task for a multi-task model ({@code test/<task>})
 * @param seconds  wall-clock time to make it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelCard(String kind, String task, List<String> tasks, List<String> files, String key, String recipeHash,
                        long seed, List<DataUse> data, Map<String, Double> accuracy, TrainingLog training,
                        Map<String, Object> recipe, String backboneSha256, String created, double seconds) {

    /** Images of one task and split sizes used. */
    public record DataUse(String task, long dataSeed, String imageSpec, int trainImages, int validationImages, int testImages) {
    }

    /**
     * @param lossCurve the loss at about twenty evenly spaced steps (each the mean of the steps since the previous point)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TrainingLog(int steps, Integer batch, String optimizer, Double firstLoss, Double finalLoss,
                              List<Double> lossCurve) {

        static TrainingLog of(float[] losses, Integer batch, String optimizer) {
            int n = losses.length;
            int points = Math.min(20, n);
            List<Double> curve = new java.util.ArrayList<>();
            for (int p = 0; p < points; p++) {
                int from = (int) ((long) p * n / points);
                int to = (int) ((long) (p + 1) * n / points);
                double s = 0;
                for (int i = from; i < to; i++) {
                    s += losses[i];
                }
                curve.add(round(s / Math.max(1, to - from)));
            }
            int tail = Math.max(1, n / 10);
            double last = 0;
            for (int i = n - tail; i < n; i++) {
                last += losses[i];
            }
            return new TrainingLog(n, batch, optimizer, n == 0 ? null : round(losses[0]), n == 0 ? null : round(last / tail), curve);
        }

        static double round(double v) {
            return Math.round(v * 1e5) / 1e5;
        }
    }
}
