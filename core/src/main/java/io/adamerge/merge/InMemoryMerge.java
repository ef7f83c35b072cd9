package io.adamerge.merge;

import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a data-free {@link MergeMethod} on weights held in memory (name → F32 tensor), for evaluation loops that
 * merge the same models many times. It feeds the method's {@link MergeRun} exactly as the streaming
 * {@link MergeExecutor} does — the same passes ({@link MergePasses}), the same chunk size and order, the same
 * end-of-merge corrections — so a method has one implementation and both executors compute the same bits.
 * Inputs are never modified.
 */
public final class InMemoryMerge {
    private final MergeMethods methods;
    private final int chunkElements;

    public InMemoryMerge(MergeMethods methods) {
        this(methods, MergeJob.DEFAULT_CHUNK_ELEMENTS);
    }

    /** @param chunkElements elements per chunk, as {@link MergeJob#chunkElements()} */
    public InMemoryMerge(MergeMethods methods, int chunkElements) {
        if (chunkElements <= 0) {
            throw new MergeConfigException("chunk size must be positive, got " + chunkElements);
        }
        this.methods = methods;
        this.chunkElements = chunkElements;
    }

    /** An in-memory executor over every method on the class path. */
    public static InMemoryMerge withDiscoveredMethods() {
        return new InMemoryMerge(MergeMethods.discover());
    }

    public MergeMethods methods() {
        return methods;
    }

    /**
     * Merges {@code models} (and {@code base}) with the named data-free method.
     *
     * @param parameters      top-level parameter values (raw: String, Number or Boolean)
     * @param modelParameters per-model values, in model order (may be empty)
     * @param base            the pretrained weights, or null for a method that needs none
     * @return the merged tensors, named and ordered as the template (the base, else the first model)
     */
    public Map<String, FloatTensor> merge(String method, Map<String, ?> parameters, List<? extends Map<String, ?>> modelParameters,
                                          Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models) {
        MergeMethod m = methods.dataFree(method);
        return merge(m, MergeParameters.resolve(m, parameters, modelParameters, models.size()), base, models);
    }

    /** As {@link #merge(String, Map, List, Map, List)} with resolved parameters. */
    public Map<String, FloatTensor> merge(MergeMethod method, MergeParameters params, Map<String, FloatTensor> base,
                                          List<Map<String, FloatTensor>> models) {
        List<TensorInfo> floats = checkedLayout(method, base, models);
        Map<String, float[]> merged = new LinkedHashMap<>();
        for (TensorInfo t : floats) {
            merged.put(t.name(), new float[Math.toIntExact(t.numel())]);
        }
        int chunkSize = MergeExecutor.chunkSize(method, chunkElements, floats);
        try (MergeRun run = method.prepare(new MergeSetup(params, floats, models.size()))) {
            feed(run, floats, base, models, chunkSize, run::merge, (chunk, out) ->
                    System.arraycopy(out, 0, merged.get(chunk.tensor().name()), (int) chunk.start(), chunk.count()));
            run.finish((tensor, element, value) -> merged.get(tensor.name())[Math.toIntExact(element)] = value);
        }
        Map<String, FloatTensor> result = new LinkedHashMap<>();
        for (TensorInfo t : floats) {
            result.put(t.name(), new FloatTensor(t.shape().clone(), merged.get(t.name())));
        }
        return result;
    }

    /**
     * The merged task vector D of a method with a {@link MergeMethod#scaleParameter() scale parameter}, computed once
     * (same passes and chunks as {@link #merge}), from which {@link ScalableMerge#at} gives the merge at any scale:
     * bit for bit what {@link #merge} computes with that value of the parameter. The scale parameter's value in
     * {@code params} is not used. Holds D in double precision (8 bytes per element) and keeps a reference to
     * {@code base}.
     */
    public ScalableMerge scalable(MergeMethod method, MergeParameters params, Map<String, FloatTensor> base,
                                  List<Map<String, FloatTensor>> models) {
        String parameter = method.scaleParameter().orElseThrow(() -> new MergeConfigException(method.name()
                + " has no scale parameter: merge it once per value"));
        List<TensorInfo> floats = checkedLayout(method, base, models);
        if (!method.requiresBase()) {
            throw new MergeConfigException(method.name() + ": a scaled merge needs the base it scales from");
        }
        Map<String, double[]> directions = new LinkedHashMap<>();
        for (TensorInfo t : floats) {
            directions.put(t.name(), new double[Math.toIntExact(t.numel())]);
        }
        int chunkSize = MergeExecutor.chunkSize(method, chunkElements, floats);
        double[] out = new double[chunkSize];
        ScalableRun scalable;
        try (MergeRun run = method.prepare(new MergeSetup(params, floats, models.size()))) {
            if (!(run instanceof ScalableRun s)) {
                throw new IllegalStateException(method.name() + " declares the scale parameter '" + parameter + "' but its run ("
                        + run.getClass().getName() + ") cannot give the unscaled merge");
            }
            scalable = s;
            feed(run, floats, base, models, chunkSize, (chunk, unused) -> s.direction(chunk, out), (chunk, unused) ->
                    System.arraycopy(out, 0, directions.get(chunk.tensor().name()), (int) chunk.start(), chunk.count()));
            run.finish((tensor, element, value) -> {
                throw new IllegalStateException(method.name() + " corrected '" + tensor.name() + "' at the end of a scalable merge");
            });
        }
        return new ScalableMerge(method, parameter, models.size(), floats, base, directions, scalable);
    }

    /** The floating tensors of the template (the base, else the first model), after checking every model against it. */
    private static List<TensorInfo> checkedLayout(MergeMethod method, Map<String, FloatTensor> base,
                                                  List<Map<String, FloatTensor>> models) {
        if (models.isEmpty()) {
            throw new MergeConfigException(method.name() + ": no models given");
        }
        if (method.requiresBase() && base == null) {
            throw new MergeConfigException(method.name() + " needs a base (pretrained) model");
        }
        for (MergeParameter p : method.parameters()) {
            if (p.type() == ParameterType.CHECKPOINT) {
                throw new MergeConfigException(method.name() + " reads per-model checkpoints ('" + p.name()
                        + "'), which an in-memory merge does not have: run it with MergeExecutor");
            }
        }
        Map<String, FloatTensor> template = base != null ? base : models.get(0);
        List<TensorInfo> floats = layout(template);
        for (int k = 0; k < models.size(); k++) {
            checkSameLayout(template, models.get(k), "model " + (k + 1));
        }
        return floats;
    }

    /**
     * The run's global pre-passes, then per tensor its pre-passes and the chunks to merge, as the streaming executor
     * (on one thread): {@code merge} computes a chunk into the source's buffer, {@code mergedChunk} takes it.
     */
    private static void feed(MergeRun run, List<TensorInfo> floats, Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models,
                             int chunkSize, MergePasses.ChunkWork merge, MergePasses.ChunkWork mergedChunk) {
        ArraySource source = new ArraySource(base, models, chunkSize);
        MergePasses.PrePassStats pre = MergePasses.globalPasses(run, floats, source, 1, (phase, tensor) -> {
        });
        MergePasses.mergeTensors(run, floats, source, pre.checked(), 1, merge, mergedChunk);
    }

    /** The tensors as F32 entries laid out one after the other, as a safetensors file of them would be. */
    private static List<TensorInfo> layout(Map<String, FloatTensor> template) {
        List<TensorInfo> out = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, FloatTensor> e : template.entrySet()) {
            long bytes = (long) e.getValue().data().length * Float.BYTES;
            out.add(new TensorInfo(e.getKey(), DType.F32, e.getValue().shape().clone(), offset, offset + bytes));
            offset += bytes;
        }
        return out;
    }

    private static void checkSameLayout(Map<String, FloatTensor> template, Map<String, FloatTensor> other, String what) {
        for (Map.Entry<String, FloatTensor> e : template.entrySet()) {
            FloatTensor o = other.get(e.getKey());
            if (o == null) {
                throw new MergeConfigException(what + " has no tensor '" + e.getKey() + "'");
            }
            if (!Arrays.equals(o.shape(), e.getValue().shape())) {
                throw new MergeConfigException(what + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(o.shape())
                        + " but " + Arrays.toString(e.getValue().shape()) + " in the template");
            }
        }
        if (other.size() != template.size()) {
            String extra = other.keySet().stream().filter(k -> !template.containsKey(k)).findFirst().orElse("?");
            throw new MergeConfigException(what + " has a tensor the template lacks: '" + extra + "'");
        }
    }

    /** Chunks of in-memory arrays, in the order and sizes a {@link ChunkPipeline} reads them from files. */
    private static final class ArraySource implements MergePasses.Source {
        private final Map<String, FloatTensor> base;
        private final List<Map<String, FloatTensor>> models;
        private final int chunkElements;
        private final float[] baseBuffer;
        private final float[][] modelBuffers;
        private final float[] out;

        ArraySource(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models, int chunkElements) {
            this.base = base;
            this.models = models;
            this.chunkElements = chunkElements;
            this.baseBuffer = base == null ? null : new float[chunkElements];
            this.modelBuffers = new float[models.size()][chunkElements];
            this.out = new float[chunkElements];
        }

        @Override
        public void stream(List<TensorInfo> tensors, int[] indices, boolean checkFinite, int stride, int threads,
                           MergePasses.ChunkWork work, MergePasses.ChunkWork inOrder) {
            long ordinal = 0;
            for (int t = 0; t < tensors.size(); t++) {
                TensorInfo tensor = tensors.get(t);
                long n = tensor.numel();
                for (long start = 0; start < n; start += chunkElements) {
                    if (ordinal++ % stride != 0) {
                        continue;
                    }
                    int count = (int) Math.min(chunkElements, n - start);
                    if (base != null) {
                        copy(base.get(tensor.name()).data(), start, count, baseBuffer, checkFinite, "base", tensor);
                    }
                    for (int k = 0; k < models.size(); k++) {
                        copy(models.get(k).get(tensor.name()).data(), start, count, modelBuffers[k], checkFinite,
                                "model " + (k + 1), tensor);
                    }
                    TensorChunk chunk = new TensorChunk(tensor, indices[t], start, count, baseBuffer, modelBuffers, Map.of());
                    work.accept(chunk, out);
                    inOrder.accept(chunk, out);
                }
            }
        }

        private static void copy(float[] from, long start, int count, float[] into, boolean checkFinite, String what,
                                 TensorInfo tensor) {
            System.arraycopy(from, (int) start, into, 0, count);
            if (checkFinite) {
                for (int i = 0; i < count; i++) {
                    if (!Float.isFinite(into[i])) {
                        throw new MergeConfigException(what + ": tensor '" + tensor.name() + "' holds " + into[i]
                                + " at element " + (start + i));
                    }
                }
            }
        }
    }
}
