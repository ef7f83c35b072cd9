package io.adamerge.merge.data;

/**
 * Progress of a data-driven merge, counted in images over all tasks: Fisher merging reports after each image's
 * backward pass, RegMean after each batch's forward pass. Calls come from the merging thread: the first has
 * {@code done == 0} (the merge starts), then {@code done} grows with every call, and the last has {@code done == total}.
 */
@FunctionalInterface
public interface DataMergeListener {
    DataMergeListener NONE = (done, total) -> {
    };

    /** {@code done} of the merge's {@code total} images are processed. */
    void processed(long done, long total);
}
