package io.adamerge.testing;

import io.adamerge.checkpoint.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ties-Merging written the obvious way, from the reference README: whole vectors in memory, thresholds by
 * sorting. An independent check of the streaming, radix-selecting implementation.
 */
public final class NaiveTies {
    private NaiveTies() {
    }

    /** Global scope (official code): flatten in sorted key order; returns name → merged tensor values. */
    public static Map<String, float[]> global(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models,
                                              double density, boolean mean, float lambda) {
        List<String> names = new ArrayList<>(new TreeMap<>(base).keySet());
        int d = names.stream().mapToInt(n -> base.get(n).data().length).sum();
        float[] pre = flatten(base, names, d);
        int k = models.size();
        float[][] tv = new float[k][];
        for (int m = 0; m < k; m++) {
            float[] ft = flatten(models.get(m), names, d);
            tv[m] = new float[d];
            for (int i = 0; i < d; i++) {
                tv[m][i] = ft[i] - pre[i];
            }
            trimOfficial(tv[m], density);
        }
        float[] merged = electAndMerge(tv, d, mean, true);
        Map<String, float[]> out = new TreeMap<>();
        int offset = 0;
        for (String n : names) {
            int len = base.get(n).data().length;
            float[] v = new float[len];
            for (int i = 0; i < len; i++) {
                v[i] = pre[offset + i] + lambda * merged[offset + i];
            }
            out.put(n, v);
            offset += len;
        }
        return out;
    }

    /** Per-tensor scope (mergekit): keep the int(density·n) largest magnitudes of each tensor, zero sum elects +1. */
    public static Map<String, float[]> perTensor(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models,
                                                 double density, boolean mean, float lambda) {
        Map<String, float[]> out = new TreeMap<>();
        for (String n : base.keySet()) {
            float[] pre = base.get(n).data();
            int len = pre.length;
            float[][] tv = new float[models.size()][len];
            for (int m = 0; m < models.size(); m++) {
                float[] ft = models.get(m).get(n).data();
                for (int i = 0; i < len; i++) {
                    tv[m][i] = ft[i] - pre[i];
                }
                int keep = (int) (len * density);
                if (keep < len) {
                    float[] mags = magnitudes(tv[m]);
                    float threshold = keep == 0 ? Float.POSITIVE_INFINITY : mags[len - keep];
                    for (int i = 0; i < len; i++) {
                        if (keep == 0 || !(Math.abs(tv[m][i]) >= threshold)) {
                            tv[m][i] *= 0f;
                        }
                    }
                }
            }
            float[] merged = electAndMerge(tv, len, mean, false);
            float[] v = new float[len];
            for (int i = 0; i < len; i++) {
                v[i] = pre[i] + lambda * merged[i];
            }
            out.put(n, v);
        }
        return out;
    }

    /** Official: threshold = the (d − int(density·d))-th smallest magnitude (1-based), keep entries ≥ it. */
    public static void trimOfficial(float[] v, double density) {
        int d = v.length;
        int rank = d - (int) (d * density);
        if (rank <= 0) {
            return;
        }
        float threshold = magnitudes(v)[rank - 1];
        for (int i = 0; i < d; i++) {
            if (!(Math.abs(v[i]) >= threshold)) {
                v[i] *= 0f;
            }
        }
    }

    private static float[] magnitudes(float[] v) {
        float[] mags = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            mags[i] = Math.abs(v[i]);
        }
        Arrays.sort(mags);
        return mags;
    }

    private static float[] electAndMerge(float[][] tv, int d, boolean mean, boolean officialZeroSign) {
        float[] sum = new float[d];
        for (float[] t : tv) {
            for (int i = 0; i < d; i++) {
                sum[i] += t[i];
            }
        }
        long balance = 0;
        for (float s : sum) {
            balance += (long) Math.signum(s);
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            float sign = Math.signum(sum[i]);
            if (sign == 0) {
                sign = officialZeroSign ? Math.signum(balance) : 1;
            }
            float acc = 0;
            int kept = 0;
            for (float[] t : tv) {
                boolean agree = sign > 0 ? t[i] > 0 : t[i] < 0;
                if (agree) {
                    acc += t[i];
                    kept++;
                }
            }
            out[i] = mean ? acc / Math.max(kept, 1) : acc;
        }
        return out;
    }

    private static float[] flatten(Map<String, FloatTensor> tensors, List<String> names, int d) {
        float[] out = new float[d];
        int offset = 0;
        for (String n : names) {
            float[] v = tensors.get(n).data();
            System.arraycopy(v, 0, out, offset, v.length);
            offset += v.length;
        }
        return out;
    }
}
