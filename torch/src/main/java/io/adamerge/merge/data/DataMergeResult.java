package io.adamerge.merge.data;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a data-driven merge did.
 *
 * @param output        the safetensors file written
 * @param mergedTensors parameter tensors the method computed (the template's other tensors are copied)
 * @param parameters    floating elements per model it merged
 * @param elapsed       wall time, loading and writing included
 */
public record DataMergeResult(Path output, int mergedTensors, long parameters, Duration elapsed) {
}
