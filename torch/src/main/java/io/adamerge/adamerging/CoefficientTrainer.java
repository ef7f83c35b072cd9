package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.model.Batch;
import io.adamerge.model.Encoder;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.List;

/**
 * Learns the coefficients of a {@link CoefficientMerge} on unlabelled data: each step draws one batch per task
 * ({@link BatchSampler}: fixed by seed, task and step, so a resumed run sees the batches the uninterrupted one would),
 * runs every task's batch through the merged model in a single forward pass (batches concatenated, embeddings split
 * per task for the heads), sums the {@link Objective} over tasks, gets dL/dλ from DJL autograd through the clamp and
 * the merge, and lets the {@link Optimizer} update λ. Listeners see every step.
 */
public final class CoefficientTrainer {
    private final Encoder encoder;
    private final LearnableMerge merge;
    private final List<TestTimeTask> tasks;
    private final Objective objective;
    private final Optimizer optimizer;
    private final BatchSampler sampler;
    private final int steps;
    private final List<TrainerListener> listeners;

    /**
     * @param steps     updates in all (a resumed run does those still missing)
     * @param listeners told about every step, in this order, before any listener a {@link #run} call adds
     */
    public CoefficientTrainer(Encoder encoder, LearnableMerge merge, List<? extends TestTimeTask> tasks, Objective objective,
                              Optimizer optimizer, BatchSampler sampler, int steps, List<TrainerListener> listeners) {
        if (tasks.size() != merge.numTasks()) {
            throw new IllegalArgumentException(merge.numTasks() + " task vectors for " + tasks.size() + " tasks");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        this.encoder = encoder;
        this.merge = merge;
        this.tasks = List.copyOf(tasks);
        this.objective = objective;
        this.optimizer = optimizer;
        this.sampler = sampler;
        this.steps = steps;
        this.listeners = List.copyOf(listeners);
    }

    /** The loss and dL/dλ of the batches of step {@code step} at coefficients {@code lambda}; nothing is updated. */
    public StepResult evaluate(Coefficients lambda, int step) {
        merge.check(lambda);
        int k = tasks.size();
        try (NDManager scope = merge.newScope();
             GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
            List<Batch> batches = new ArrayList<>(k);
            for (int t = 0; t < k; t++) {
                TestTimeTask task = tasks.get(t);
                batches.add(task.examples().select(sampler.indices(t, step, task.examples().count()), scope));
            }
            NDArray raw = scope.create(lambda.values(), new Shape(lambda.rows(), k));
            raw.setRequiresGradient(true);
            NDArray embeddings = encoder.embed(merge.weights(raw, scope), encoder.concat(batches, scope));
            NDArray loss = null;
            float[] taskLoss = new float[k];
            int from = 0;
            for (int t = 0; t < k; t++) {
                int to = from + batches.get(t).size();
                NDArray l = objective.taskLoss(t, embeddings.get(new NDIndex(from + ":" + to)), tasks.get(t).head());
                taskLoss[t] = l.getFloat();
                loss = loss == null ? l : loss.add(l);
                from = to;
            }
            collector.backward(loss);
            return new StepResult(step, loss.getFloat(), taskLoss, raw.getGradient().toFloatArray());
        }
    }

    /**
     * Optimises from {@code start} (its optimiser state and step count, if any, are resumed) until {@code steps}
     * updates are done in all; returns the final coefficients with their optimiser state.
     *
     * @param more listeners for this run only, told after the trainer's own; null entries are ignored
     */
    public Coefficients run(Coefficients start, TrainerListener... more) {
        merge.check(start);
        List<TrainerListener> all = new ArrayList<>(listeners);
        if (more != null) {
            for (TrainerListener l : more) {
                if (l != null) {
                    all.add(l);
                }
            }
        }
        float[] values = start.values().clone();
        CoefficientOptimizer run = optimizer.start(start);
        Coefficients current = start;
        for (int step = start.step(); step < steps; step++) {
            StepResult r = evaluate(current, step);
            for (TrainerListener l : all) {
                l.beforeUpdate(r);
            }
            run.update(values, r.gradient());
            current = merge.coefficients(values.clone(), run.step(), run.state());
            for (TrainerListener l : all) {
                l.afterStep(r, current);
            }
        }
        return current;
    }

    public int steps() {
        return steps;
    }
}
