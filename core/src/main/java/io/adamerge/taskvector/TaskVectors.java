package io.adamerge.taskvector;

import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * Task vectors T_k = θ_k − θ_pre, computed lazily per tensor name from the checkpoints (nothing is read until
 * asked). Only floating tensors have task vectors; integer and bool tensors are {@link #carried()} from the base.
 */
public final class TaskVectors implements AutoCloseable {
    private final ModelSet inputs;

    private TaskVectors(ModelSet inputs) {
        if (!inputs.hasBase()) {
            throw new CheckpointException("task vectors need a base (pretrained) model");
        }
        this.inputs = inputs;
    }

    public static TaskVectors open(Path base, List<Path> models) {
        return new TaskVectors(ModelSet.open(base, models, false));
    }

    /** A view of an open model set (closing the view closes the set). */
    public static TaskVectors of(ModelSet inputs) {
        return new TaskVectors(inputs);
    }

    public ModelSet inputs() {
        return inputs;
    }

    /** Number of task vectors (fine-tuned models). */
    public int size() {
        return inputs.size();
    }

    /** Names of the floating tensors, in the base's order. */
    public List<String> names() {
        return inputs.floatTensors().stream().map(TensorInfo::name).toList();
    }

    /** Integer and bool tensors, which have no task vector. */
    public List<TensorInfo> carried() {
        return inputs.carriedTensors();
    }

    /** T_k of one tensor, read and subtracted now (F32, flattened). */
    public float[] get(int k, String name) {
        TensorInfo t = inputs.template().info(name);
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException("'" + name + "' is " + t.dtype() + ": it is carried from the base, not merged");
        }
        return inputs.taskVector(k, name);
    }

    @Override
    public void close() {
        inputs.close();
    }
}
