package io.adamerge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.adamerge.model.ClassificationHead;
import java.util.List;

/** Training losses on logits. */
public final class Losses {
    private Losses() {
    }

    /** Mean cross-entropy of [batch, classes] logits against integer labels [batch]: a differentiable scalar. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(logits.getShape().dimension() - 1);
        NDArray indices = labels.getDataType() == DataType.INT64 ? labels : labels.toType(DataType.INT64, false);
        NDArray oneHot = indices.oneHot((int) classes);
        return logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1}).mean().neg();
    }

    /**
     * The summed cross-entropy of frozen heads over embeddings stacked task by task ([tasks · batch, dim], the rows of
     * task t at t · batch): the objective of the full fine-tunes and the multi-task models of both zoos.
     */
    public static NDArray summedOverTasks(NDArray embeddings, List<ClassificationHead> heads, int[][] labels, NDManager manager) {
        int tasks = heads.size();
        NDList perTask = tasks == 1 ? new NDList(embeddings) : embeddings.split(tasks);
        NDArray loss = null;
        for (int t = 0; t < tasks; t++) {
            NDArray ce = crossEntropy(heads.get(t).logits(perTask.get(t)), manager.create(labels[t]));
            loss = loss == null ? ce : loss.add(ce);
        }
        return loss;
    }
}
