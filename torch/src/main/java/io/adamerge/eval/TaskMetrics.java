package io.adamerge.eval;

/**
 * A model's predictions on one task's images.
 *
 * @param accuracy         top-1 accuracy in percent (0–100)
 * @param meanEntropy      mean Shannon entropy of the predicted distributions, in nats
 * @param meanCrossEntropy mean negative log-probability of the true labels, in nats
 */
public record TaskMetrics(String task, int images, double accuracy, double meanEntropy, double meanCrossEntropy) {
}
