package io.adamerge.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How far apart the models are: L1 and L2 distances and cosine similarity between every pair of task vectors
 * T_k = θ_k − θ_pre, and between each merged model and each fine-tuned model — the distances are ‖θ_merged − θ_k‖
 * and the cosine is between the merged model's displacement θ_merged − θ_pre and T_k (the cosine of the raw weights is
 * ≈ 1 for every pair, as they share θ_pre). Sums in double over every float parameter.
 */
public final class DistanceStudy {
    private DistanceStudy() {
    }

    /** {@code values[r][c]} between row model r and column model c. */
    public record Matrix(String name, List<String> rows, List<String> columns, double[][] values) {
    }

    /** Task vector norms ‖T_k‖₁, ‖T_k‖₂ in {@code tasks} order. */
    public record Result(List<String> tasks, double[] taskL1Norms, double[] taskL2Norms, Matrix taskL1, Matrix taskL2, Matrix taskCosine,
                         List<String> merged, Matrix mergedL1, Matrix mergedL2, Matrix mergedCosine, long parameters, double seconds) {
    }

    public static Result run(StudyContext ctx, List<String> tasks) {
        long t0 = System.nanoTime();
        tasks.forEach(ctx::checkTask);
        Map<String, NDArray> pre = ctx.pretrainedWeights();
        float[] preFlat = flatten(pre, pre);
        List<float[]> vectors = new ArrayList<>();
        for (String t : tasks) {
            vectors.add(flatten(ctx.taskVector(t), pre));
        }
        int n = tasks.size();
        double[][] l1 = new double[n][n];
        double[][] l2 = new double[n][n];
        double[][] cos = new double[n][n];
        double[] n1 = new double[n];
        double[] n2 = new double[n];
        for (int a = 0; a < n; a++) {
            n1[a] = l1(vectors.get(a), null);
            n2[a] = Math.sqrt(dot(vectors.get(a), vectors.get(a)));
            for (int b = 0; b < n; b++) {
                l1[a][b] = l1(vectors.get(a), vectors.get(b));
                l2[a][b] = l2(vectors.get(a), vectors.get(b));
                cos[a][b] = cosine(vectors.get(a), vectors.get(b));
            }
        }
        // merged displacements θ_merged − θ_pre: ‖θ_m − θ_k‖ = ‖(θ_m − θ_pre) − T_k‖
        List<String> methods = new ArrayList<>();
        List<float[]> displacements = new ArrayList<>();
        for (StudyMethod m : ctx.methods()) {
            try (NDManager scope = ctx.manager().newSubManager()) {
                float[] merged = flatten(ctx.merge(m, "all tasks", tasks, tasks.stream().map(ctx::test).toList(), scope), pre);
                for (int i = 0; i < merged.length; i++) {
                    merged[i] -= preFlat[i];
                }
                displacements.add(merged);
                methods.add(m.label());
            }
        }
        int m = methods.size();
        double[][] ml1 = new double[m][n];
        double[][] ml2 = new double[m][n];
        double[][] mcos = new double[m][n];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < n; c++) {
                ml1[r][c] = l1(displacements.get(r), vectors.get(c));
                ml2[r][c] = l2(displacements.get(r), vectors.get(c));
                mcos[r][c] = cosine(displacements.get(r), vectors.get(c));
            }
        }
        return new Result(List.copyOf(tasks), n1, n2,
                new Matrix("L1 distance between task vectors", tasks, tasks, l1),
                new Matrix("L2 distance between task vectors", tasks, tasks, l2),
                new Matrix("cosine similarity between task vectors", tasks, tasks, cos),
                methods,
                new Matrix("L1 distance, merged vs fine-tuned", methods, tasks, ml1),
                new Matrix("L2 distance, merged vs fine-tuned", methods, tasks, ml2),
                new Matrix("cosine(merged − pretrained, task vector)", methods, tasks, mcos),
                vectors.isEmpty() ? 0 : vectors.get(0).length, (System.nanoTime() - t0) / 1e9);
    }

    /** The tensors of {@code weights} in the order of {@code like}'s keys, concatenated. */
    static float[] flatten(Map<String, NDArray> weights, Map<String, NDArray> like) {
        long total = 0;
        for (NDArray a : like.values()) {
            total += a.size();
        }
        float[] out = new float[Math.toIntExact(total)];
        int at = 0;
        for (String name : like.keySet()) {
            float[] v = weights.get(name).toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    static double l1(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs((double) a[i] - (b == null ? 0 : b[i]));
        }
        return s;
    }

    static double l2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }
}
