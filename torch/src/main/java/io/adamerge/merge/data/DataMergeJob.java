package io.adamerge.merge.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one data-driven merge needs.
 *
 * @param method          registry name of the method ({@code fisher}, {@code regmean})
 * @param base            a checkpoint whose layout, dtype and other tensors the output copies, or null: the first model's
 * @param models          the fine-tuned models, each with its head and data
 * @param parameters      top-level parameter values (raw: String, Number or Boolean), checked against the declarations
 * @param modelParameters per-model parameter values, in the order of {@code models} (may be empty)
 * @param visionConfig    a {@code CLIPVisionConfig} JSON for checkpoints without config.json, or null
 * @param output          a {@code .safetensors} file, or else a directory ({@code model.safetensors} + config.json)
 */
public record DataMergeJob(String method, Path base, List<TaskModel> models, Map<String, ?> parameters,
                           List<? extends Map<String, ?>> modelParameters, Path visionConfig, Path output) {

    /**
     * One fine-tuned model and what it brings of its task.
     *
     * @param model its checkpoint (file, sharded index or Hugging Face directory)
     * @param head  its classification head (safetensors with {@code weight}, optional {@code bias}), or null
     * @param data  its unlabelled images (safetensors with {@code pixel_values} or an image folder), or null
     */
    public record TaskModel(Path model, Path head, Path data) {
    }

    public DataMergeJob {
        models = List.copyOf(models);
        parameters = Map.copyOf(parameters);
        modelParameters = List.copyOf(modelParameters);
    }

    public static DataMergeJob of(String method, Path base, List<TaskModel> models, Path output) {
        return new DataMergeJob(method, base, models, Map.of(), List.of(), null, output);
    }

    public DataMergeJob withParameters(Map<String, ?> global) {
        return new DataMergeJob(method, base, models, global, modelParameters, visionConfig, output);
    }

    public DataMergeJob withVisionConfig(Path config) {
        return new DataMergeJob(method, base, models, parameters, modelParameters, config, output);
    }

    public List<Path> modelPaths() {
        return models.stream().map(TaskModel::model).toList();
    }
}
