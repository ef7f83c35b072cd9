package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import java.util.List;
import java.util.Map;

/**
 * The fine-tuned models a data-driven merge combines, each with what it knows of its task: of any family (a CLIP
 * vision tower with images, a BERT encoder with tokenised texts).
 *
 * @param model the encoder (architecture and weight layout) every model shares
 * @param tasks one entry per fine-tuned model
 */
public record DataMergeInput(Encoder model, List<Task> tasks) {
    /**
     * One fine-tuned model.
     *
     * @param weights  its parameters in {@code model}'s layout
     * @param head     its frozen classification head (methods that need predictions use it), or null
     * @param examples unlabelled inputs of its task (images, token sequences)
     */
    public record Task(String name, Map<String, NDArray> weights, ClassificationHead head, Examples examples) {
    }

    public DataMergeInput {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge: no tasks");
        }
        for (Task t : tasks) {
            model.validate(t.weights());
            model.checkFits(t.examples());
            if (t.head() != null && t.head().inputDim() != model.embeddingDim()) {
                throw new IllegalArgumentException("head of task '" + t.name() + "' takes embeddings of width " + t.head().inputDim()
                        + ", the model gives " + model.embeddingDim());
            }
        }
    }
}
