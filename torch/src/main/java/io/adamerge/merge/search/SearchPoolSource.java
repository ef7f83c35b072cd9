package io.adamerge.merge.search;

import java.io.Serializable;

/**
 * Where a {@link SearchPool} is loaded from, as plain serialisable values (paths as strings), so that a cluster's
 * executors load the same pool from a shared path. Implementations are records; equal sources are the same pool.
 */
public interface SearchPoolSource extends Serializable {
    /** Loads the pool; the caller closes it. */
    OpenPool open();

    /** A loaded pool that owns its native memory. */
    interface OpenPool extends SearchPool, AutoCloseable {
        @Override
        void close();
    }
}
