package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.Encoder;
import io.adamerge.model.Examples;
import java.util.List;
import java.util.Map;

/**
 * AdaMerging (Yang et al., ICLR 2024) as the official implementation does it, put together from the test-time parts:
 * a {@link CoefficientMerge} of the task vectors (raw for AdaMerging, {@link TiesTrim}med for AdaMerging++), task-wise
 * or layer-wise; the {@link EntropyObjective}; {@link PyTorchAdam}; a {@link CoefficientTrainer} that stops on
 * non-finite values ({@link NonFiniteStop}). The four variants are the presets of {@link AdaMergingConfig}: settings,
 * not branches.
 *
 * <p>An instance holds the pretrained weights and the (stacked) task vectors on its own manager; close it.
 */
public final class AdaMerging implements AutoCloseable {
    /** One task: its frozen head and its unlabelled examples (images for an image encoder). */
    public record Task(String name, ClassificationHead head, Examples images) implements TestTimeTask {
        @Override
        public Examples examples() {
            return images;
        }
    }

    private final Encoder model;
    private final AdaMergingConfig config;
    private final CoefficientMerge merge;
    private final CoefficientTrainer trainer;

    private AdaMerging(Encoder model, AdaMergingConfig config, CoefficientMerge merge, CoefficientTrainer trainer) {
        this.model = model;
        this.config = config;
        this.merge = merge;
        this.trainer = trainer;
    }

    /**
     * Prepares a run: task vectors T_k = θ_k − θ_pre for every parameter tensor of {@code model} (Ties-masked for
     * AdaMerging++), copied to a manager of the instance so the caller may release the fine-tuned weights.
     *
     * @param pretrained weights of the pretrained model, in {@code model}'s layout
     * @param finetuned  weights of each fine-tuned model, same layout, one per task
     */
    public static AdaMerging create(Encoder model, Map<String, NDArray> pretrained, List<Map<String, NDArray>> finetuned,
                                    List<? extends TestTimeTask> tasks, AdaMergingConfig config, NDManager parent) {
        if (finetuned.size() != tasks.size()) {
            throw new IllegalArgumentException(finetuned.size() + " fine-tuned models for " + tasks.size() + " tasks");
        }
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("AdaMerging needs at least one task");
        }
        for (TestTimeTask t : tasks) {
            model.checkFits(t.examples());
            if (t.head().inputDim() != model.embeddingDim()) {
                throw new CheckpointException("head of task '" + t.name() + "' takes embeddings of width " + t.head().inputDim()
                        + ", the model gives " + model.embeddingDim());
            }
        }
        CoefficientMerge merge = CoefficientMerge.create(model, pretrained, finetuned, config.granularity(), config.transform(), parent);
        CoefficientTrainer trainer = new CoefficientTrainer(model, merge, tasks, config.objective(), config.optimizer(),
                new BatchSampler(config.seed(), config.batchSize()), config.steps(), List.of(new NonFiniteStop("AdaMerging")),
                config.passActivationMb() * AdaMergingConfig.MB);
        return new AdaMerging(model, config, merge, trainer);
    }

    public AdaMergingConfig config() {
        return config;
    }

    public Encoder model() {
        return model;
    }

    /** The merge whose coefficients are learnt. */
    public CoefficientMerge coefficientMerge() {
        return merge;
    }

    public CoefficientTrainer trainer() {
        return trainer;
    }

    /** The parameter tensors coefficients refer to, in row order. */
    public List<String> layerKeys() {
        return merge.layerKeys();
    }

    public int numTasks() {
        return merge.numTasks();
    }

    /** λ = the configured initial value everywhere. */
    public Coefficients initialCoefficients() {
        return merge.constant(config.initialValue());
    }

    /** The loss and dL/dλ of the batches of step {@code step} at coefficients {@code lambda}; nothing is updated. */
    public StepResult evaluate(Coefficients lambda, int step) {
        return trainer.evaluate(lambda, step);
    }

    /**
     * Optimises from {@code start} (its Adam state and step count, if any, are resumed) until {@link
     * AdaMergingConfig#steps()} updates are done in all; returns the final coefficients with their optimiser state.
     *
     * @param listener told after every update (may be null)
     */
    public Coefficients run(Coefficients start, TrainerListener listener) {
        return trainer.run(start, listener);
    }

    /** The merged weights at {@code lambda}, in the model's layout, as new arrays on {@code into}. */
    public Map<String, NDArray> merge(Coefficients lambda, NDManager into) {
        return merge.merge(lambda, into);
    }

    @Override
    public void close() {
        merge.close();
    }
}
