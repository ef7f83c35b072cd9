package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import java.util.List;
import java.util.Map;

/**
 * The towers a data-driven merge combines, each with what it knows of its task.
 *
 * @param model the architecture and weight layout every tower shares
 * @param tasks one entry per fine-tuned tower
 */
public record DataMergeInput(ClipVisionModel model, List<Task> tasks) {
    /**
     * One fine-tuned tower.
     *
     * @param weights its parameters in {@code model}'s layout
     * @param head    its frozen classification head (methods that need predictions use it)
     * @param images  unlabelled images of its task
     */
    public record Task(String name, Map<String, NDArray> weights, ClassificationHead head, TaskImages images) {
    }

    public DataMergeInput {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge: no tasks");
        }
        for (Task t : tasks) {
            model.validate(t.weights());
            t.images().checkFits(model.config());
            if (t.head() != null && t.head().inputDim() != model.config().embeddingDim()) {
                throw new IllegalArgumentException("head of task '" + t.name() + "' takes embeddings of width " + t.head().inputDim()
                        + ", the tower gives " + model.config().embeddingDim());
            }
        }
    }
}
