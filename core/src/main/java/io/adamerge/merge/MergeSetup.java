package io.adamerge.merge;

import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.taskvector.ModelSet;
import java.util.List;

/**
 * What a method learns before merging: resolved parameters and the inputs' layout.
 *
 * @param parameters the resolved parameter values
 * @param inputs     the opened, validated inputs. Data-free methods only use their layout
 *                   ({@link ModelSet#floatTensors()}, {@link ModelSet#floatElementCount()}); methods that must run
 *                   whole models (on data, in the torch module) may read through it here, before merging starts.
 */
public record MergeSetup(MergeParameters parameters, ModelSet inputs) {
    public int modelCount() {
        return inputs.size();
    }

    public List<TensorInfo> floatTensors() {
        return inputs.floatTensors();
    }

    /** Length of one model's flattened task vector (all floating tensors). */
    public long floatElementCount() {
        return inputs.floatElementCount();
    }
}
