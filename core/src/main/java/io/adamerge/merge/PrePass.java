package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;

/** A statistics pass over the inputs before merging. */
public sealed interface PrePass {
    /** 0-based number of the pass within its kind. */
    int index();

    /** A pass over every floating tensor of the models. */
    record Global(int index) implements PrePass {
    }

    /** A pass over one tensor, right before it is merged. */
    record OverTensor(int index, TensorInfo tensor) implements PrePass {
    }
}
