package io.adamerge.merge.data;

import io.adamerge.io.OutputTarget;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeOutput;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.TestTimeMethod;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.Encoder;
import io.adamerge.model.bert.BertModel;
import io.adamerge.model.bert.BertSentenceEncoder;
import io.adamerge.model.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs data-driven merges (Fisher, RegMean): resolves the method in the merge registry and its parameters, checks
 * that every model has what the method needs, loads the models, heads and data (CLIP towers with images; BERT model
 * directories with texts, one per line, tokenised by each model's own tokenizer), lets the method compute, and writes
 * the merged model in the template's layout (the base, or the first model), atomically, with the method and its
 * settings in the metadata as data-free merges record them. The methods themselves only compute.
 */
public final class DataMergeExecutor {
    private final MergeMethods methods;

    public DataMergeExecutor(MergeMethods methods) {
        this.methods = methods;
    }

    /** An executor over every method on the class path. */
    public static DataMergeExecutor withDiscoveredMethods() {
        return new DataMergeExecutor(MergeMethods.discover());
    }

    public MergeMethods methods() {
        return methods;
    }

    /** The method of this name, if it is data-driven and this module computes it. */
    public DataMergeMethod method(String name) {
        MergeMethodInfo info = methods.get(name);
        if (info instanceof DataMergeMethod method) {
            return method;
        }
        if (info instanceof MergeMethod) {
            throw new MergeConfigException(info.name() + " is data-free: it takes no data or heads (run it with MergeExecutor)");
        }
        if (info instanceof TestTimeMethod) {
            throw new MergeConfigException(info.name() + " is a test-time method: it learns coefficients on a model pool, "
                    + "not from per-model data files");
        }
        throw new MergeConfigException(info.name() + " (" + info.getClass().getName() + ") is data-driven but not computed "
                + "by the torch module");
    }

    public DataMergeResult run(DataMergeJob job) {
        return run(job, DataMergeListener.NONE);
    }

    /** As {@link #run(DataMergeJob)}, telling {@code listener} how many of the sampled images the method has processed. */
    public DataMergeResult run(DataMergeJob job, DataMergeListener listener) {
        return run(job, null, listener);
    }

    /**
     * As {@link #run(DataMergeJob, DataMergeListener)}, onto an output checked under the output policy (null: write
     * {@code job.output()}, replacing what is there).
     */
    public DataMergeResult run(DataMergeJob job, OutputTarget target, DataMergeListener listener) {
        long started = System.nanoTime();
        DataMergeMethod method = method(job.method());
        if (job.models().isEmpty()) {
            throw new MergeConfigException(method.name() + ": no models given");
        }
        if (method.requiresBase() && job.base() == null) {
            throw new MergeConfigException(method.name() + " needs a base (pretrained) model");
        }
        checkInputs(method, job);
        MergeOutput.checkNotAnInput(job.output(), job.base(), job.modelPaths());
        MergeParameters params = MergeParameters.resolve(method, job.parameters(), job.modelParameters(), job.models().size());
        DataMergeMethod computation;
        try {
            computation = method.configure(params);
        } catch (IllegalArgumentException e) {
            throw new MergeConfigException(method.name() + ": " + e.getMessage());
        }
        Path template = job.base() != null ? job.base() : job.models().get(0).model();

        boolean text = BertModel.isBertDirectory(job.models().get(0).model());
        List<BertModel> bertModels = new ArrayList<>();
        try (NDManager manager = TorchRuntime.newManager()) {
            List<DataMergeInput.Task> tasks = new ArrayList<>();
            Encoder model = null;
            String firstName = null;
            for (DataMergeJob.TaskModel t : job.models()) {
                ClassificationHead head = t.head() == null ? null : ClassificationHead.load(t.head(), manager);
                if (text) {
                    // a BERT directory: its encoder, and its own tokenizer for the task's texts
                    if (job.visionConfig() != null) {
                        throw new MergeConfigException(method.name() + ": BERT directories carry their config.json; --vision-config is "
                                + "for CLIP towers");
                    }
                    if (!BertModel.isBertDirectory(t.model())) {
                        throw new MergeConfigException(t.model() + ": not a BERT model directory, like the first model ("
                                + job.models().get(0).model() + ")");
                    }
                    BertModel bert = BertModel.load(t.model(), manager);
                    bertModels.add(bert);
                    BertSentenceEncoder encoder = new BertSentenceEncoder(bert.encoder(), bert.pooling(), bert.normalize());
                    if (model == null) {
                        model = encoder;
                        firstName = "the first model (" + t.model() + ")";
                    } else if (!model.config().equals(encoder.config())) {
                        throw new MergeConfigException(t.model() + ": its BERT config differs from " + firstName);
                    }
                    tasks.add(new DataMergeInput.Task(taskName(t.model()), bert.weights(), head, TaskTexts.load(t.data(), bert.tokenizer())));
                } else {
                    ClipVisionModel tower = model == null ? null : (ClipVisionModel) model;
                    ClipVisionModel.Loaded loaded = tower == null ? ClipVisionModel.load(t.model(), job.visionConfig(), manager)
                            : ClipVisionModel.loadMatching(t.model(), job.visionConfig(), tower, firstName, manager);
                    if (model == null) {
                        model = loaded.model();
                        firstName = "the first model (" + t.model() + ")";
                    }
                    tasks.add(new DataMergeInput.Task(taskName(t.model()), loaded.weights(), head,
                            TaskImages.load(t.data(), loaded.model().config())));
                }
            }
            Map<String, NDArray> merged = computation.merge(new DataMergeInput(model, tasks), manager, listener);
            Map<String, String> metadata = MergeOutput.metadata(Map.of(), method, params, job.base(), job.modelPaths());
            metadata.put("adamerge.data", MergeOutput.fileNames(job.models().stream().map(DataMergeJob.TaskModel::data).toList()));
            if (job.models().stream().allMatch(t -> t.head() != null)) {
                metadata.put("adamerge.heads", MergeOutput.fileNames(job.models().stream().map(DataMergeJob.TaskModel::head).toList()));
            }
            Path file = target != null ? MergedCheckpoint.write(template, merged, target, metadata)
                    : MergedCheckpoint.write(template, merged, job.output(), metadata);
            long elements = merged.values().stream().mapToLong(a -> a.getShape().size()).sum();
            return new DataMergeResult(file, merged.size(), elements, Duration.ofNanos(System.nanoTime() - started));
        } finally {
            bertModels.forEach(BertModel::close);
        }
    }

    /** Every model has data, a head if the method needs one, and every path exists: else a message naming the model. */
    private static void checkInputs(DataDrivenMethod method, DataMergeJob job) {
        List<DataMergeJob.TaskModel> models = job.models();
        for (int k = 0; k < models.size(); k++) {
            DataMergeJob.TaskModel t = models.get(k);
            String which = "model " + (k + 1) + " (" + t.model() + ")";
            if (t.data() == null) {
                throw new MergeConfigException(method.name() + " needs data for every model, and " + which + " has none: give a "
                        + "safetensors file with '" + TaskImages.PIXELS + "' [N, C, H, W] or an image folder (for CLIP towers), or a "
                        + "text file with one text per line (for BERT directories)");
            }
            if (method.needsHeads() && t.head() == null) {
                throw new MergeConfigException(method.name() + " needs the classification head of every model, and " + which
                        + " has none: give a safetensors file with 'weight' [classes, dim]");
            }
            requireExists(t.model(), "model " + (k + 1));
            requireExists(t.data(), "data of " + which);
            if (t.head() != null) {
                requireExists(t.head(), "head of " + which);
            }
        }
        if (job.base() != null) {
            requireExists(job.base(), "base");
        }
        if (job.visionConfig() != null) {
            requireExists(job.visionConfig(), "vision config");
        }
    }

    private static void requireExists(Path p, String what) {
        if (!Files.exists(p)) {
            throw new MergeConfigException(p + ": no such file or directory (" + what + ")");
        }
    }

    private static String taskName(Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }
}
