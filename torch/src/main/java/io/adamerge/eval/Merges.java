package io.adamerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simple in-memory merges the zoo report needs, over float weights with the same names: weight averaging,
 * task arithmetic θ_pre + λ Σ_k T_k, and layer-wise coefficients θ^l = θ_pre^l + Σ_k λ_k^l T_k^l. Results are
 * new arrays on the given manager.
 */
public final class Merges {
    private Merges() {
    }

    /** T_k = θ_k − θ_pre for each model. */
    public static List<Map<String, NDArray>> taskVectors(Map<String, NDArray> pretrained, List<Map<String, NDArray>> models,
                                                         NDManager manager) {
        List<Map<String, NDArray>> out = new ArrayList<>();
        for (Map<String, NDArray> model : models) {
            checkNames(pretrained, model);
            Map<String, NDArray> tv = new LinkedHashMap<>();
            pretrained.forEach((name, pre) -> {
                NDArray t = model.get(name).sub(pre);
                t.attach(manager);
                tv.put(name, t);
            });
            out.add(tv);
        }
        return out;
    }

    /** The element-wise mean of the models. */
    public static Map<String, NDArray> weightAverage(List<Map<String, NDArray>> models, NDManager manager) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("weight averaging needs at least one model");
        }
        Map<String, NDArray> first = models.get(0);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : first.keySet()) {
            NDArray sum = first.get(name).duplicate();
            sum.attach(manager);
            for (int k = 1; k < models.size(); k++) {
                checkNames(first, models.get(k));
                sum.addi(models.get(k).get(name));
            }
            out.put(name, sum.divi(models.size()));
        }
        return out;
    }

    /** θ_pre + λ Σ_k T_k. */
    public static Map<String, NDArray> taskArithmetic(Map<String, NDArray> pretrained, List<Map<String, NDArray>> taskVectors,
                                                      double lambda, NDManager manager) {
        double[][] lambdas = new double[taskVectors.size()][pretrained.size()];
        for (double[] row : lambdas) {
            java.util.Arrays.fill(row, lambda);
        }
        return layerWise(pretrained, taskVectors, lambdas, manager);
    }

    /**
     * θ^l = θ_pre^l + Σ_k λ[k][l] T_k^l, where l indexes the tensors of {@code pretrained} in its iteration order.
     */
    public static Map<String, NDArray> layerWise(Map<String, NDArray> pretrained, List<Map<String, NDArray>> taskVectors,
                                                 double[][] lambdas, NDManager manager) {
        if (lambdas.length != taskVectors.size()) {
            throw new IllegalArgumentException(taskVectors.size() + " task vectors but " + lambdas.length + " rows of coefficients");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        int l = 0;
        for (Map.Entry<String, NDArray> e : pretrained.entrySet()) {
            NDArray merged = e.getValue().duplicate();
            merged.attach(manager);
            for (int k = 0; k < taskVectors.size(); k++) {
                if (lambdas[k].length != pretrained.size()) {
                    throw new IllegalArgumentException("coefficient row " + k + " has " + lambdas[k].length + " entries for "
                            + pretrained.size() + " tensors");
                }
                NDArray tv = taskVectors.get(k).get(e.getKey());
                if (tv == null) {
                    throw new IllegalArgumentException("task vector " + k + " has no tensor '" + e.getKey() + "'");
                }
                try (NDArray scaled = tv.mul((float) lambdas[k][l])) {
                    merged.addi(scaled);
                }
            }
            out.put(e.getKey(), merged);
            l++;
        }
        return out;
    }

    private static void checkNames(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            throw new IllegalArgumentException("models to merge have different tensors: " + expected.keySet().size() + " vs "
                    + actual.keySet().size() + " names; first difference: " + firstDifference(expected, actual));
        }
    }

    private static String firstDifference(Map<String, NDArray> a, Map<String, NDArray> b) {
        for (String k : a.keySet()) {
            if (!b.containsKey(k)) {
                return "'" + k + "' missing from the second";
            }
        }
        for (String k : b.keySet()) {
            if (!a.containsKey(k)) {
                return "'" + k + "' missing from the first";
            }
        }
        return "none";
    }
}
