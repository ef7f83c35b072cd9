package io.adamerge.merge.data;

/**
 * Counts a merge's processed images for a {@link DataMergeListener}; the total is fixed when the merge starts, and
 * the listener hears (0, total) at once, so a bar opens before the first (possibly slow) image.
 */
final class ImageCounter {
    private final DataMergeListener listener;
    private final long total;
    private long done;

    ImageCounter(DataMergeListener listener, long total) {
        this.listener = listener == null ? DataMergeListener.NONE : listener;
        this.total = total;
        this.listener.processed(0, total);
    }

    void add(int images) {
        done += images;
        listener.processed(done, total);
    }
}
