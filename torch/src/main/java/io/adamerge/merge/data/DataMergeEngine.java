package io.adamerge.merge.data;

import io.adamerge.io.OutputTarget;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeEngine;
import io.adamerge.merge.MergeListener;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.Merger;
import io.adamerge.merge.config.MergeConfig;
import java.util.ArrayList;
import java.util.List;

/** Runs the data-driven methods (fisher, regmean) of a {@link MergeConfig} for core's {@link Merger}. */
public final class DataMergeEngine implements MergeEngine {
    @Override
    public boolean runs(MergeMethodInfo method, MergeConfig config, Merger.Options options) {
        return method instanceof DataMergeMethod;
    }

    @Override
    public Merger.Result run(MergeMethodInfo method, MergeConfig config, OutputTarget target, Merger.Options options,
                             MergeListener listener) {
        DataMergeResult r = new DataMergeExecutor(MergeMethods.discover()).run(job(method, config, target),
                target, listener instanceof DataMergeListener d ? d : DataMergeListener.NONE);
        return new Merger.Result(method.name(), List.of(r.output()), r.mergedTensors(), 0, r.parameters(), r.elapsed(),
                0, 0, 0);
    }

    /** The config as the executor's job. */
    public static DataMergeJob job(MergeMethodInfo method, MergeConfig config, OutputTarget target) {
        if (config.dtype() != null) {
            throw new MergeConfigException(method.name() + " writes the merged tower in its template's dtype (the base, or "
                    + "the first model): --dtype / dtype is not supported for it");
        }
        List<DataMergeJob.TaskModel> tasks = new ArrayList<>();
        for (int k = 0; k < config.models().size(); k++) {
            tasks.add(new DataMergeJob.TaskModel(config.models().get(k), config.heads().get(k), config.data().get(k)));
        }
        return new DataMergeJob(method.name(), config.base(), tasks, config.parameters(), config.modelParameters(),
                config.visionConfig(), target.path());
    }
}
