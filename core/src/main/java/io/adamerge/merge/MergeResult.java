package io.adamerge.merge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a merge did.
 *
 * @param outputFiles    the files written (shards, index, config.json)
 * @param mergedTensors  floating tensors computed
 * @param carriedTensors integer/bool tensors copied from the base
 * @param parameters     floating elements per model
 * @param inputBytes     bytes of tensor data in the inputs (one read of each input)
 * @param bytesRead      bytes actually read, over all passes (a sampling pass counts its sampled share)
 * @param passes         passes over the floating tensors (pre-passes, sampling ones included, + the merge)
 * @param elapsed        wall time
 */
public record MergeResult(List<Path> outputFiles, int mergedTensors, int carriedTensors, long parameters,
                          long inputBytes, long bytesRead, int passes, Duration elapsed) {
}
