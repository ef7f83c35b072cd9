package io.adamerge.adamerging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.adamerge.merge.data.BatchSampler;
import io.adamerge.model.Batch;
import io.adamerge.model.Encoder;
import io.adamerge.model.Gradients;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private final long passActivationBytes;

    /** As the full constructor, with AdaMerging's default bound on a pass's activations. */
    public CoefficientTrainer(Encoder encoder, LearnableMerge merge, List<? extends TestTimeTask> tasks, Objective objective,
                              Optimizer optimizer, BatchSampler sampler, int steps, List<TrainerListener> listeners) {
        this(encoder, merge, tasks, objective, optimizer, sampler, steps, listeners,
                AdaMergingConfig.DEFAULT_PASS_ACTIVATION_MB * AdaMergingConfig.MB);
    }

    /** {@code passActivationBytes} value: every task's batch in one forward and one backward pass, however large. */
    public static final long ALL_IN_ONE_PASS = 0;

    /**
     * @param steps     updates in all (a resumed run does those still missing)
     * @param listeners told about every step, in this order, before any listener a {@link #run} call adds
     * @param passActivationBytes bound on a pass's activations ({@link Encoder#activationBytes}): consecutive tasks'
     *                  batches share a forward and backward pass while their estimate stays within it (a task's batch is
     *                  never split); {@link #ALL_IN_ONE_PASS} for one pass whatever the size
     */
    public CoefficientTrainer(Encoder encoder, LearnableMerge merge, List<? extends TestTimeTask> tasks, Objective objective,
                              Optimizer optimizer, BatchSampler sampler, int steps, List<TrainerListener> listeners,
                              long passActivationBytes) {
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
        if (passActivationBytes < 0) {
            throw new IllegalArgumentException("a pass's activation bound must be >= 0, got " + passActivationBytes);
        }
        this.passActivationBytes = passActivationBytes;
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
            Map<String, NDArray> merged = merge.weights(raw, scope);
            List<int[]> passes = passes(batches);
            float[] taskLoss = new float[k];
            if (passes.size() == 1) {
                NDArray loss = taskLosses(merged, batches, 0, k, encoder.concat(batches, scope), taskLoss);
                collector.backward(loss);
                return new StepResult(step, loss.getFloat(), taskLoss, raw.getGradient().toFloatArray());
            }
            // Several passes: each runs forward and backward against detached aliases of the merged weights, whose
            // gradients add up over the passes; one pass back through the merge then gives dL/dλ. Only one pass's
            // activations are alive at a time, and the task vectors are read once per step, not once per pass.
            Map<String, NDArray> leaves = Gradients.leaves(merged, scope);
            NDArray tableGradient = null;
            String table = null;
            float loss = 0f;
            for (int[] pass : passes) {
                try (NDManager passScope = scope.newSubManager()) {
                    Batch input = input(batches, pass[0], pass[1], passScope);
                    Map<String, NDArray> weights = leaves;
                    // a text reads ~30 of its token table's rows: the pass's leaf for that table is just those rows,
                    // so its backward does not write a dense [vocabulary, hidden] gradient per pass
                    Optional<Encoder.ReadRows> read = encoder.readRows(input, passScope);
                    NDArray rowLeaf = null;
                    NDIndex rows = null;
                    if (read.isPresent()) {
                        table = read.get().table();
                        rows = new NDIndex("{}", passScope.create(read.get().rows()));
                        rowLeaf = Gradients.rowLeaf(leaves.get(table), rows, passScope);
                        weights = new LinkedHashMap<>(leaves);
                        weights.put(table, rowLeaf);
                        input = read.get().rebased();
                    }
                    NDArray l = taskLosses(weights, batches, pass[0], pass[1], input, taskLoss);
                    loss += l.getFloat();
                    collector.backward(l);
                    if (rowLeaf != null) {
                        if (tableGradient == null) {
                            tableGradient = scope.zeros(leaves.get(table).getShape(), leaves.get(table).getDataType());
                        }
                        try (NDArray g = rowLeaf.getGradient()) {
                            Gradients.addRows(tableGradient, rows, g, passScope);
                        }
                    }
                }
            }
            Map<String, NDArray> gradients = Gradients.accumulated(leaves, scope);
            if (tableGradient != null) {
                gradients.put(table, tableGradient);
            }
            Gradients.backwardThrough(merged, gradients);
            return new StepResult(step, loss, taskLoss, raw.getGradient().toFloatArray());
        }
    }

    /** Tasks {@code [from, to)}'s batches as one batch (concatenated when there are several). */
    private Batch input(List<Batch> batches, int from, int to, NDManager scope) {
        return to - from == 1 ? batches.get(from) : encoder.concat(batches.subList(from, to), scope);
    }

    /**
     * Tasks {@code [from, to)} in one forward pass of {@code input} (their batches concatenated), embeddings split per
     * task for the heads: fills their entries of {@code taskLoss} and returns the sum of their losses.
     */
    private NDArray taskLosses(Map<String, NDArray> weights, List<Batch> batches, int from, int to, Batch input,
                               float[] taskLoss) {
        NDArray embeddings = encoder.embed(weights, input);
        NDArray loss = null;
        int row = 0;
        for (int t = from; t < to; t++) {
            int end = row + batches.get(t).size();
            NDArray l = objective.taskLoss(t, embeddings.get(new NDIndex(row + ":" + end)), tasks.get(t).head());
            taskLoss[t] = l.getFloat();
            loss = loss == null ? l : loss.add(l);
            row = end;
        }
        return loss;
    }

    /**
     * Consecutive tasks grouped into passes whose activations ({@link Encoder#activationBytes}, summed over their
     * batches) stay within {@link #passActivationBytes}, as [from, to) pairs; one pass when all fit (or no bound).
     */
    private List<int[]> passes(List<Batch> batches) {
        List<int[]> out = new ArrayList<>();
        if (passActivationBytes == ALL_IN_ONE_PASS) {
            out.add(new int[] {0, batches.size()});
            return out;
        }
        int from = 0;
        long bytes = 0;
        for (int t = 0; t < batches.size(); t++) {
            long b = encoder.activationBytes(batches.get(t));
            if (t > from && bytes + b > passActivationBytes) {
                out.add(new int[] {from, t});
                from = t;
                bytes = 0;
            }
            bytes += b;
        }
        out.add(new int[] {from, batches.size()});
        return out;
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
