package io.adamerge.merge;

/** Progress of a merge, one step per tensor per pass (the CLI draws a progress bar from it). */
public interface MergeListener {
    MergeListener NONE = new MergeListener() {
    };

    /** Called once with the number of steps to come. */
    default void begin(long totalSteps) {
    }

    /**
     * One tensor of one pass is done.
     *
     * @param phase e.g. "pass 1/2" or "merge"
     * @param tensor the tensor's name
     */
    default void step(String phase, String tensor) {
    }

    default void end() {
    }
}
