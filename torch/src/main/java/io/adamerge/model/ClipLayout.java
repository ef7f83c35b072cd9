package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * A weight layout of the CLIP vision tower, as one {@link Table} of {@link Rule}s from stored tensors to canonical
 * ones (Hugging Face {@code CLIPVisionModelWithProjection} names, {@link ClipKeys}). Shapes, both conversions, the
 * order of tensors and what a config is inferred from all come from that table and the canonical shapes, so a layout
 * is only its table: {@link #HUGGING_FACE} is {@link ClipKeys#table()} (the identity), {@link #OPEN_CLIP} is
 * {@link OpenClipLayout#table()}.
 */
public final class ClipLayout implements WeightLayout<VitConfig> {
    /** How one stored tensor relates to canonical ones. */
    public sealed interface Rule permits Same, Fused, Transposed {
        /** The tensor's name in the layout. */
        String stored();
    }

    /** The same tensor under another name (or the same one). */
    public record Same(String stored, String canonical) implements Rule {
    }

    /** Canonical tensors concatenated along dim 0 (open_clip's {@code in_proj_*} holds q, k and v). */
    public record Fused(String stored, List<String> canonical) implements Rule {
    }

    /** A 2-d canonical tensor stored transposed (open_clip's {@code proj} is [width, output]). */
    public record Transposed(String stored, String canonical) implements Rule {
    }

    /**
     * The table of a layout: the tensors before the transformer blocks, those of block {@code i}, those after, and
     * the projection (only in towers that have one), each part in the layout's order.
     */
    public record Table(List<Rule> head, IntFunction<List<Rule>> block, List<Rule> tail, Rule projection) {
    }

    /** Hugging Face {@code CLIPVisionModel(WithProjection)} / {@code CLIPModel}: the canonical layout. */
    public static final ClipLayout HUGGING_FACE = new ClipLayout("HUGGING_FACE", ClipKeys.PATCH_EMBEDDING, ClipKeys::isVisionKey,
            ClipKeys.table());
    /** open_clip (and OpenAI CLIP) {@code VisionTransformer}: {@code visual.*}. */
    public static final ClipLayout OPEN_CLIP = new ClipLayout("OPEN_CLIP", OpenClipLayout.CONV1,
            n -> n.startsWith(OpenClipLayout.PREFIX), OpenClipLayout.table());

    private final String name;
    private final String signature;
    private final Predicate<String> owns;
    private final Table table;

    private ClipLayout(String name, String signature, Predicate<String> owns, Table table) {
        this.name = name;
        this.signature = signature;
        this.owns = owns;
        this.table = table;
    }

    @Override
    public String name() {
        return name;
    }

    /** The tensor only this layout has: how {@link #recognises} tells it. */
    public String signature() {
        return signature;
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean owns(String tensor) {
        return owns.test(tensor);
    }

    @Override
    public boolean recognises(Collection<String> tensorNames) {
        return tensorNames.contains(signature);
    }

    /** The rules of a tower of {@code config}, stored tensors in this layout's order. */
    public List<Rule> rules(VitConfig config) {
        List<Rule> out = new ArrayList<>(table.head());
        for (int i = 0; i < config.numLayers(); i++) {
            out.addAll(table.block().apply(i));
        }
        out.addAll(table.tail());
        if (config.hasProjection()) {
            out.add(table.projection());
        }
        return out;
    }

    /**
     * Stored shapes (in this layout) under canonical names, for the tensors that are there: what a config is inferred
     * from. Blocks are counted from 0 while block {@code i}'s first tensor is there.
     */
    public Map<String, long[]> canonicalShapes(Map<String, long[]> stored) {
        List<Rule> rules = new ArrayList<>(table.head());
        for (int i = 0; stored.containsKey(table.block().apply(i).get(0).stored()); i++) {
            rules.addAll(table.block().apply(i));
        }
        rules.addAll(table.tail());
        rules.add(table.projection());
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Rule r : rules) {
            long[] s = stored.get(r.stored());
            if (s == null || s.length == 0) {
                continue;
            }
            if (r instanceof Same same) {
                out.put(same.canonical(), s);
            } else if (r instanceof Fused f) {
                long[] part = s.clone();
                part[0] = s[0] / f.canonical().size();
                f.canonical().forEach(k -> out.put(k, part));
            } else if (r instanceof Transposed t && s.length == 2) {
                out.put(t.canonical(), new long[] {s[1], s[0]});
            }
        }
        return out;
    }

    @Override
    public Map<String, long[]> shapes(VitConfig config) {
        Map<String, long[]> canonical = ClipKeys.shapes(config);
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Rule r : rules(config)) {
            if (r instanceof Same s) {
                out.put(s.stored(), canonical.get(s.canonical()));
            } else if (r instanceof Fused f) {
                long[] first = canonical.get(f.canonical().get(0)).clone();
                first[0] = f.canonical().stream().mapToLong(k -> canonical.get(k)[0]).sum();
                out.put(f.stored(), first);
            } else if (r instanceof Transposed t) {
                long[] s = canonical.get(t.canonical());
                out.put(t.stored(), new long[] {s[1], s[0]});
            }
        }
        return out;
    }

    @Override
    public Map<String, NDArray> toCanonical(Map<String, NDArray> weights, VitConfig config, NDManager scratch) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Rule r : rules(config)) {
            if (r instanceof Same s) {
                NDArray a = weights.get(s.stored());
                if (a != null) { // a missing one is reported by the tower, with its expected shape
                    out.put(s.canonical(), a);
                }
            } else if (r instanceof Fused f) {
                NDList parts = need(weights, f.stored()).split(f.canonical().size(), 0);
                parts.attach(scratch);
                for (int i = 0; i < parts.size(); i++) {
                    out.put(f.canonical().get(i), parts.get(i));
                }
            } else if (r instanceof Transposed t) {
                NDArray a = need(weights, t.stored()).transpose();
                a.attach(scratch);
                out.put(t.canonical(), a);
            }
        }
        return out;
    }

    @Override
    public Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, VitConfig config, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Rule r : rules(config)) {
            if (r instanceof Same s) {
                out.put(s.stored(), need(canonical, s.canonical()));
            } else if (r instanceof Fused f) {
                NDList parts = new NDList();
                f.canonical().forEach(k -> parts.add(need(canonical, k)));
                NDArray a = NDArrays.concat(parts, 0);
                a.attach(into);
                out.put(f.stored(), a);
            } else if (r instanceof Transposed t) {
                NDArray a = need(canonical, t.canonical()).transpose();
                a.attach(into);
                out.put(t.stored(), a);
            }
        }
        return out;
    }

    private static NDArray need(Map<String, NDArray> weights, String name) {
        NDArray a = weights.get(name);
        if (a == null) {
            throw new CheckpointException("missing weight '" + name + "'");
        }
        return a;
    }
}
