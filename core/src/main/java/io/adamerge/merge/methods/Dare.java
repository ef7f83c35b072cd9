package io.adamerge.merge.methods;

import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MergeRun;
import io.adamerge.merge.MergeSetup;
import io.adamerge.merge.ParameterScope;
import io.adamerge.merge.TensorChunk;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * DARE (Yu et al., 2024): drop each task-vector entry with probability p, rescale the survivors by 1/(1−p), then
 * merge by task arithmetic ({@code consensus: none}, mergekit's dare_linear) or with Ties' sign election
 * ({@code consensus: ties}, mergekit's dare_ties: elect the sign of Σ λ_k T'_k, +1 where it is 0, keep agreeing
 * entries, sum or mean).
 *
 * <p>The drop decision of entry i of tensor t in model k is a hash of (seed, k, t, i), not a sequential random
 * stream, so the result is the same for a seed whatever the chunk size or order of processing.
 */
public class Dare implements MergeMethod {
    private final String name;
    private final String defaultConsensus;

    public Dare() {
        this("dare", "none");
    }

    protected Dare(String name, String defaultConsensus) {
        this.name = name;
        this.defaultConsensus = defaultConsensus;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> aliases() {
        return name.equals("dare") ? List.of("dare_linear") : List.of();
    }

    @Override
    public String description() {
        return "random drop with rescaling, then task arithmetic" + (defaultConsensus.equals("ties") ? " with Ties sign election" : " (or Ties sign election)");
    }

    @Override
    public List<MergeParameter> parameters() {
        return List.of(
                MergeParameter.number("drop_rate", ParameterScope.PER_MODEL, 0.9, 0.0, 0.999999,
                        "probability p of dropping a task-vector entry; survivors are scaled by 1/(1-p)"),
                MergeParameter.number("lambda", ParameterScope.PER_MODEL, 1.0, null, null,
                        "scaling coefficient of the task vector"),
                MergeParameter.integer("seed", ParameterScope.GLOBAL, 0L, "seed of the drop decisions"),
                MergeParameter.choice("consensus", defaultConsensus, List.of("none", "ties"),
                        "none: task arithmetic; ties: sign election as mergekit's dare_ties"),
                MergeParameter.choice("merge", "sum", List.of("sum", "mean"),
                        "with ties consensus: disjoint sum, or mean over the tasks that kept an entry"));
    }

    @Override
    public MergeRun prepare(MergeSetup setup) {
        double[] p = setup.parameters().numbers("drop_rate");
        double[] lambda = setup.parameters().numbers("lambda");
        long seed = setup.parameters().integer("seed");
        boolean ties = setup.parameters().choice("consensus").equals("ties");
        boolean mean = setup.parameters().choice("merge").equals("mean");
        int models = p.length;
        float[] scale = new float[models];
        long[] keepBelow = new long[models];
        for (int k = 0; k < models; k++) {
            scale[k] = (float) (lambda[k] / (1 - p[k]));
            // keep when a uniform 53-bit integer is ≥ p·2^53, i.e. with probability 1 − p
            keepBelow[k] = (long) Math.ceil(p[k] * 0x1p53);
        }
        long[] tensorKeys = setup.floatTensors().stream().mapToLong(t -> fnv1a(t.name())).toArray();
        // each thread its own scratch arrays: chunks merge on several threads at once
        ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[models + 1][0]);
        return new MergeRun() {
            @Override
            public boolean concurrent() {
                return true;
            }

            @Override
            public void merge(TensorChunk chunk, float[] out) {
                int n = chunk.count();
                float[][] arrays = scratch.get();
                if (arrays[0].length < n) {
                    for (int k = 0; k <= models; k++) {
                        arrays[k] = new float[n];
                    }
                }
                float[][] kept = arrays;
                float[] sums = arrays[models];
                float[] b = chunk.base();
                long tensorKey = tensorKeys[chunk.tensorIndex()];
                for (int k = 0; k < models; k++) {
                    float[] m = chunk.models()[k];
                    float[] w = kept[k];
                    long stream = mix(seed ^ mix(tensorKey + 0x9e3779b97f4a7c15L * (k + 1)));
                    long limit = keepBelow[k];
                    float s = scale[k];
                    for (int i = 0; i < n; i++) {
                        long u = mix(stream + 0x9e3779b97f4a7c15L * (chunk.start() + i)) >>> 11;
                        w[i] = u >= limit ? s * (m[i] - b[i]) : 0f;
                    }
                }
                if (!ties) {
                    System.arraycopy(kept[0], 0, out, 0, n);
                    for (int k = 1; k < models; k++) {
                        float[] w = kept[k];
                        for (int i = 0; i < n; i++) {
                            out[i] += w[i];
                        }
                    }
                } else {
                    Arrays.fill(sums, 0, n, 0f);
                    for (int k = 0; k < models; k++) {
                        float[] w = kept[k];
                        for (int i = 0; i < n; i++) {
                            sums[i] += w[i];
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        boolean positive = sums[i] >= 0;
                        float acc = 0f;
                        int count = 0;
                        for (int k = 0; k < models; k++) {
                            float w = kept[k][i];
                            if (positive ? w > 0 : w < 0) {
                                acc += w;
                                count++;
                            }
                        }
                        out[i] = mean && count > 1 ? acc / count : acc;
                    }
                }
                for (int i = 0; i < n; i++) {
                    out[i] += b[i];
                }
            }
        };
    }

    /** SplitMix64's finaliser: a bijective 64-bit mix with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A stable 64-bit hash of a tensor name (independent of JVM and of String.hashCode). */
    static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
