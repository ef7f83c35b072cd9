package io.adamerge.merge.testtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.Examples;
import io.adamerge.adamerging.AdaMerging;
import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Coefficients;
import io.adamerge.adamerging.CoefficientTrainer;
import io.adamerge.adamerging.EntropyObjective;
import io.adamerge.adamerging.NonFiniteStop;
import io.adamerge.adamerging.PyTorchAdam;
import io.adamerge.adamerging.RankMaskMerge;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.eval.ModelPool;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeParameters;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.Encoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AdaRank (Lee et al., 2025, "AdaRank: Adaptive Rank Pruning for Enhanced Model Merging") on the test-time
 * composition: a {@link RankMaskMerge} (a learnt mask over the singular components of each task vector's matrices,
 * and layer-wise coefficients λ, both learnt), the {@link EntropyObjective} summed over tasks, {@link PyTorchAdam},
 * a {@link CoefficientTrainer}. Settings as the official code's ViT-B/32 eight-task configs: Adam lr 1e-3, betas
 * (0.9, 0.999), 16 test images per task and step, straight-through mask with temperature 10 and logits starting at
 * 0.1 (every component kept), λ starting at 0.3 on the Task Arithmetic base; on the TSV-M base λ starts at TSV-M's
 * α = 1. Two presets, one service line each: {@code adarank_ta}, {@code adarank_tsv}.
 */
public class AdaRankMethod implements TestTimeMerge {
    /** The official code's tta_steps (its table rows pick the best of every 500 steps by test accuracy; we do not). */
    public static final int OFFICIAL_STEPS = 10_000;

    private final RankMaskMerge.Base base;

    protected AdaRankMethod(RankMaskMerge.Base base) {
        this.base = base;
    }

    /** {@code adarank_ta}. */
    public static final class OnTaskArithmetic extends AdaRankMethod {
        public OnTaskArithmetic() {
            super(RankMaskMerge.Base.TASK_ARITHMETIC);
        }
    }

    /** {@code adarank_tsv}. */
    public static final class OnTsv extends AdaRankMethod {
        public OnTsv() {
            super(RankMaskMerge.Base.TSV);
        }
    }

    public RankMaskMerge.Base base() {
        return base;
    }

    @Override
    public String name() {
        return base == RankMaskMerge.Base.TASK_ARITHMETIC ? "adarank_ta" : "adarank_tsv";
    }

    @Override
    public String description() {
        return "AdaRank" + (base == RankMaskMerge.Base.TASK_ARITHMETIC ? "-TA" : "-TSV")
                + ": a mask over each task vector's singular components and layer-wise λ, learnt by Adam on the entropy of "
                + "each head's predictions (Lee et al., 2025), on " + (base == RankMaskMerge.Base.TASK_ARITHMETIC
                ? "Task Arithmetic" : "TSV-M");
    }

    private double defaultLambda() {
        return base == RankMaskMerge.Base.TASK_ARITHMETIC ? 0.3 : 1.0;
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(
                MergeParameter.integer("steps", ParameterScope.GLOBAL, (long) OFFICIAL_STEPS, 0L, (long) Integer.MAX_VALUE,
                        "Adam steps (official: 10000)"),
                MergeParameter.number("learning_rate", ParameterScope.GLOBAL, 1e-3, Double.MIN_VALUE, null, "Adam learning rate"),
                MergeParameter.number("beta1", ParameterScope.GLOBAL, 0.9, 0.0, 0.999999, "Adam β1"),
                MergeParameter.number("beta2", ParameterScope.GLOBAL, 0.999, 0.0, 0.999999, "Adam β2"),
                MergeParameter.number("epsilon", ParameterScope.GLOBAL, 1e-8, 0.0, null, "Adam ε"),
                MergeParameter.integer("batch_size", ParameterScope.GLOBAL, 16L, 1L, (long) Integer.MAX_VALUE,
                        "unlabelled images per task and step"),
                MergeParameter.number("initial_lambda", ParameterScope.GLOBAL, defaultLambda(), null, null,
                        "λ of every task and tensor at the start (the base merge's scale)"),
                MergeParameter.choice("mask", "straight_through", List.of("straight_through", "soft"),
                        "straight_through: hard mask forward, sigmoid backward; soft: sigmoid both ways"),
                MergeParameter.number("temperature", ParameterScope.GLOBAL, 10.0, Double.MIN_VALUE, null,
                        "mask = sigmoid(logit / temperature)"),
                MergeParameter.number("initial_logit", ParameterScope.GLOBAL, 0.1, null, null,
                        "mask logit of the kept components at the start (official: 0.1 straight-through, 2.0 soft)"),
                MergeParameter.number("initial_rank_ratio", ParameterScope.GLOBAL, 1.0, Double.MIN_VALUE, 1.0,
                        "fraction of the leading components kept at the start (the rest start pruned)"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, 0L, "fixes the batches"),
                AdaMergingMethod.passActivationMb());
    }

    /**
     * The parameter values that share the table's test-time settings (steps, lr, betas, ε, batch size, seed) with
     * AdaMerging; AdaRank's own settings keep their defaults.
     */
    public Map<String, Object> values(AdaMergingConfig shared) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("steps", (long) shared.steps());
        v.put("learning_rate", shared.learningRate());
        v.put("beta1", shared.beta1());
        v.put("beta2", shared.beta2());
        v.put("epsilon", shared.epsilon());
        v.put("batch_size", (long) shared.batchSize());
        v.put("seed", shared.seed());
        AdaMergingMethod.putPassActivation(v, shared);
        return v;
    }

    @Override
    public int steps(MergeParameters parameters) {
        return (int) parameters.integer("steps");
    }

    static RankMaskMerge.MaskFunction maskFunction(MergeParameters p) {
        return RankMaskMerge.MaskFunction.valueOf(p.choice("mask").toUpperCase(Locale.ROOT));
    }

    /** The merge to learn, over the encoder's tensors in its order. */
    public RankMaskMerge prepare(Encoder model, Map<String, NDArray> pretrained, List<Map<String, NDArray>> finetuned,
                                 MergeParameters p, NDManager parent) {
        model.validate(pretrained);
        finetuned.forEach(model::validate);
        Map<String, NDArray> ordered = new LinkedHashMap<>();
        for (String key : model.parameterShapes().keySet()) {
            ordered.put(key, pretrained.get(key));
        }
        return RankMaskMerge.create(ordered, finetuned, base, maskFunction(p), (float) p.number("temperature"), parent);
    }

    @Override
    public Outcome run(ModelPool pool, List<String> tasks, List<? extends Examples> unlabelled, MergeParameters parameters, Listener listener,
                       NDManager into) {
        if (unlabelled.size() != tasks.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks but " + unlabelled.size() + " sets of unlabelled images");
        }
        Encoder model = pool.encoder();
        List<AdaMerging.Task> adaTasks = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            AdaMerging.Task t = new AdaMerging.Task(tasks.get(k), pool.head(tasks.get(k)), unlabelled.get(k));
            model.checkFits(t.images());
            if (t.head().inputDim() != model.embeddingDim()) {
                throw new CheckpointException("head of task '" + t.name() + "' takes embeddings of width " + t.head().inputDim()
                        + ", the model gives " + model.embeddingDim());
            }
            adaTasks.add(t);
        }
        try (RankMaskMerge merge = prepare(model, pool.pretrained(), pool.finetuned(tasks), parameters, into)) {
            PyTorchAdam.Settings adam = new PyTorchAdam.Settings(parameters.number("learning_rate"), parameters.number("beta1"),
                    parameters.number("beta2"), parameters.number("epsilon"));
            CoefficientTrainer trainer = new CoefficientTrainer(model, merge, adaTasks, EntropyObjective.INSTANCE, adam,
                    new BatchSampler(parameters.integer("seed"), (int) parameters.integer("batch_size")), steps(parameters),
                    List.of(new NonFiniteStop(name())), parameters.integer("pass_activation_mb") * AdaMergingConfig.MB);
            Coefficients start = merge.initial((float) parameters.number("initial_lambda"), (float) parameters.number("initial_logit"),
                    parameters.number("initial_rank_ratio"));
            listener.started(start);
            Coefficients learnt = trainer.run(start, (r, c) -> listener.afterStep(r.step(), r.loss(), c));
            return new Outcome(merge.merge(learnt, into), learnt);
        }
    }
}
