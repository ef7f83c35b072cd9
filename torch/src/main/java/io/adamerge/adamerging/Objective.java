package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import io.adamerge.model.ClassificationHead;

/**
 * What a test-time method minimises on unlabelled data, task by task; the total is the sum over tasks (in task
 * order). {@link EntropyObjective} is AdaMerging's.
 */
@FunctionalInterface
public interface Objective {
    /**
     * The loss of one task's batch: a differentiable scalar.
     *
     * @param task       index of the task
     * @param embeddings the merged model's embeddings of the task's batch, [batch, dim]
     * @param head       the task's frozen head
     */
    NDArray taskLoss(int task, NDArray embeddings, ClassificationHead head);
}
