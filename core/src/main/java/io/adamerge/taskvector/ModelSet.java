package io.adamerge.taskvector;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.peft.PeftAdapter;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A pretrained (base) checkpoint and the fine-tuned checkpoints merged with it, checked to hold the same
 * tensors with the same shapes. Floating tensors are the parameters merges compute on; integer and bool
 * tensors (such as {@code position_ids}) are carried through from the base, never merged.
 *
 * <p>The base may be absent (weight averaging needs none): the first model then serves as the
 * template for the layout, the carried tensors and the metadata.
 */
public final class ModelSet implements AutoCloseable {
    /** How many differing names a key-mismatch error lists. */
    private static final int SHOWN_DIFFERENCES = 3;

    private final Checkpoint base;
    private final List<Checkpoint> models;
    private final List<TensorInfo> tensors;
    private final List<TensorInfo> floatTensors;
    private final List<TensorInfo> carriedTensors;
    private final boolean allowNonFinite;

    private ModelSet(Checkpoint base, List<Checkpoint> models, boolean allowNonFinite) {
        this.base = base;
        this.models = List.copyOf(models);
        this.allowNonFinite = allowNonFinite;
        Checkpoint template = template();
        this.tensors = List.copyOf(template.tensors());
        this.floatTensors = tensors.stream().filter(t -> t.dtype().isFloating()).toList();
        this.carriedTensors = tensors.stream().filter(t -> !t.dtype().isFloating()).toList();
        for (Checkpoint m : this.models) {
            if (m != template) {
                checkSameLayout(template, m);
            }
        }
    }

    /**
     * Opens the checkpoints and checks their layouts; closes whatever it opened if that fails.
     *
     * @param base           the pretrained checkpoint, or null
     * @param models         at least one fine-tuned checkpoint
     * @param allowNonFinite whether NaN/Inf values may be read (otherwise reading one is an error)
     */
    public static ModelSet open(Path base, List<Path> models, boolean allowNonFinite) {
        if (models.isEmpty()) {
            throw new CheckpointException("no models to merge");
        }
        List<Checkpoint> opened = new ArrayList<>();
        Checkpoint baseCheckpoint = null;
        try {
            if (base != null) {
                baseCheckpoint = Checkpoint.open(base);
                opened.add(baseCheckpoint);
            }
            List<Checkpoint> ms = new ArrayList<>();
            for (Path p : models) {
                Checkpoint c = openModel(p, base);
                opened.add(c);
                ms.add(c);
            }
            return new ModelSet(baseCheckpoint, ms, allowNonFinite);
        } catch (RuntimeException e) {
            opened.forEach(Checkpoint::close);
            throw e;
        }
    }

    /**
     * A fine-tuned model: a checkpoint, or a PEFT LoRA adapter folder read over its own copy of {@code base} (its
     * task vector is {@code scale·B·A} on the adapted matrices and zero elsewhere).
     */
    public static Checkpoint openModel(Path model, Path base) {
        if (!PeftAdapter.isAdapter(model)) {
            return Checkpoint.open(model);
        }
        if (base == null) {
            throw new CheckpointException(model + ": a LoRA adapter is a model only over its base; give the base model (--base / base_model)");
        }
        PeftAdapter adapter = PeftAdapter.open(model);
        Checkpoint baseCopy = null;
        try {
            baseCopy = Checkpoint.open(base);
            return adapter.over(baseCopy);
        } catch (RuntimeException e) {
            adapter.close();
            if (baseCopy != null) {
                baseCopy.close();
            }
            throw e;
        }
    }

    /** Wraps checkpoints the caller opened (and closes them on {@link #close()}). */
    public static ModelSet of(Checkpoint base, List<Checkpoint> models, boolean allowNonFinite) {
        if (models.isEmpty()) {
            throw new CheckpointException("no models to merge");
        }
        return new ModelSet(base, models, allowNonFinite);
    }

    /** Same tensor names, same shapes, floating where the template is floating. The message names the first differences. */
    static void checkSameLayout(Checkpoint template, Checkpoint other) {
        Map<String, TensorInfo> theirs = new LinkedHashMap<>();
        for (TensorInfo t : other.tensors()) {
            theirs.put(t.name(), t);
        }
        TreeSet<String> missing = new TreeSet<>();
        List<String> mismatched = new ArrayList<>();
        for (TensorInfo t : template.tensors()) {
            TensorInfo o = theirs.remove(t.name());
            if (o == null) {
                missing.add(t.name());
            } else if (!Arrays.equals(t.shape(), o.shape())) {
                mismatched.add("'" + t.name() + "' has shape " + o.shapeString() + " but " + t.shapeString() + " in "
                        + template.source().getFileName());
            } else if (t.dtype().isFloating() != o.dtype().isFloating()) {
                mismatched.add("'" + t.name() + "' is " + o.dtype() + " but " + t.dtype() + " in "
                        + template.source().getFileName());
            }
        }
        TreeSet<String> extra = new TreeSet<>(theirs.keySet());
        if (missing.isEmpty() && extra.isEmpty() && mismatched.isEmpty()) {
            return;
        }
        StringBuilder msg = new StringBuilder(other.source() + ": tensors differ from " + template.source() + ":");
        if (!missing.isEmpty()) {
            msg.append(" missing ").append(missing.size()).append(" (").append(first(missing)).append(");");
        }
        if (!extra.isEmpty()) {
            msg.append(" unexpected ").append(extra.size()).append(" (").append(first(extra)).append(");");
        }
        if (!mismatched.isEmpty()) {
            msg.append(" ").append(mismatched.size()).append(" with another shape or type (")
                    .append(String.join(", ", mismatched.subList(0, Math.min(SHOWN_DIFFERENCES, mismatched.size()))))
                    .append(");");
        }
        msg.setLength(msg.length() - 1);
        throw new CheckpointException(msg.toString());
    }

    private static String first(TreeSet<String> names) {
        List<String> shown = names.stream().limit(SHOWN_DIFFERENCES).map(n -> "'" + n + "'").toList();
        return String.join(", ", shown) + (names.size() > SHOWN_DIFFERENCES ? ", ..." : "");
    }

    public Optional<Checkpoint> base() {
        return Optional.ofNullable(base);
    }

    public boolean hasBase() {
        return base != null;
    }

    public List<Checkpoint> models() {
        return models;
    }

    public int size() {
        return models.size();
    }

    /** The base if there is one, else the first model: its layout, carried tensors and metadata are the output's. */
    public Checkpoint template() {
        return base != null ? base : models.get(0);
    }

    /** Every tensor in the template's order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** The tensors merges compute on (F32, F16, BF16, F64), in the template's order. */
    public List<TensorInfo> floatTensors() {
        return floatTensors;
    }

    /** Integer and bool tensors, copied from the template unchanged. */
    public List<TensorInfo> carriedTensors() {
        return carriedTensors;
    }

    /** Total number of floating elements in one model (the length of its flattened task vector). */
    public long floatElementCount() {
        long n = 0;
        for (TensorInfo t : floatTensors) {
            n += t.numel();
        }
        return n;
    }

    /** Total bytes of tensor data one pass over every input reads. */
    public long inputBytes() {
        long perModel = 0;
        for (TensorInfo t : tensors) {
            perModel += t.byteLength();
        }
        return perModel * (models.size() + (base != null ? 1 : 0));
    }

    public boolean allowNonFinite() {
        return allowNonFinite;
    }

    /** A reader of aligned chunks of all inputs (not thread-safe: one per thread). */
    public ChunkReader reader(int chunkElements) {
        return new ChunkReader(this, chunkElements);
    }

    /** The whole task vector T_k = θ_k − θ_pre of one floating tensor, in F32. */
    public float[] taskVector(int k, String name) {
        if (base == null) {
            throw new IllegalStateException("task vectors need a base model");
        }
        TensorInfo t = template().info(name);
        int n = Math.toIntExact(t.numel());
        Checkpoint model = models.get(k);
        if (model.overlay().isPresent()) {
            // an adapter: exactly scale·B·A where it adapts, zero elsewhere (no (W + ΔW) − W rounding)
            float[] d = model.overlay().get().covers(name) ? model.overlay().get().difference(name) : new float[n];
            checkFinite(model, name, d, 0, n, 0);
            return d;
        }
        float[] b = base.readFloats(name);
        float[] m = models.get(k).readFloats(name);
        checkFinite(base, name, b, 0, n, 0);
        checkFinite(models.get(k), name, m, 0, n, 0);
        for (int i = 0; i < n; i++) {
            m[i] -= b[i];
        }
        return m;
    }

    /**
     * Throws as a {@link ChunkReader} read with the finiteness scan would have, for elements {@code [start, start +
     * count)} of {@code t} read without it: the first NaN or ±Inf of the base's values, else of each model's in
     * order. For merges whose result is non-finite wherever an input is, which scan only a non-finite result.
     *
     * @param base   the base's values at {@code [0, count)}, or null without a base
     * @param models each model's values at {@code [0, count)}
     */
    public void requireFinite(TensorInfo t, long start, int count, float[] base, float[][] models) {
        if (base != null) {
            checkFinite(this.base, t.name(), base, 0, count, start);
        }
        for (int k = 0; k < this.models.size(); k++) {
            checkFinite(this.models.get(k), t.name(), models[k], 0, count, start);
        }
    }

    /** Throws naming the file and tensor if {@code values[0, count)} holds NaN or ±Inf and that is not allowed. */
    void checkFinite(Checkpoint source, String tensor, float[] values, int from, int count, long firstElement) {
        if (allowNonFinite) {
            return;
        }
        for (int i = from; i < from + count; i++) {
            // exponent all ones = NaN or infinity (a predictable branch: faster than a branch-free scan here)
            if ((Float.floatToRawIntBits(values[i]) & 0x7f800000) == 0x7f800000) {
                throw new CheckpointException(source.file(tensor).path() + ": tensor '" + tensor + "' holds " + values[i]
                        + " at element " + (firstElement + i - from)
                        + " (pass --allow-nonfinite to merge anyway)");
            }
        }
    }

    @Override
    public void close() {
        if (base != null) {
            base.close();
        }
        models.forEach(Checkpoint::close);
    }
}
