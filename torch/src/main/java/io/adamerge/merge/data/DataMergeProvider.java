package io.adamerge.merge.data;

import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeParameters;

/**
 * A registry entry of a data-driven merge (core's {@link DataDrivenMethod}) whose computation this module provides:
 * given the resolved parameters it makes the {@link DataMergeMethod} that does the arithmetic. Found through
 * {@code META-INF/services/io.adamerge.merge.DataDrivenMethod}; {@link DataMergeExecutor} does the reading and writing.
 */
public interface DataMergeProvider extends DataDrivenMethod {
    /** The computation for these (resolved, range-checked) parameter values. */
    DataMergeMethod create(MergeParameters parameters);
}
