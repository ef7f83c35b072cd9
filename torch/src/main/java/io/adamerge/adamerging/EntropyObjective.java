package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Entropy;

/** AdaMerging's objective: the batch-mean Shannon entropy (nats) of each task's head's predictions. */
public final class EntropyObjective implements Objective {
    public static final EntropyObjective INSTANCE = new EntropyObjective();

    private EntropyObjective() {
    }

    @Override
    public NDArray taskLoss(int task, NDArray embeddings, ClassificationHead head) {
        return Entropy.mean(head.logits(embeddings));
    }

    @Override
    public String toString() {
        return "entropy";
    }
}
