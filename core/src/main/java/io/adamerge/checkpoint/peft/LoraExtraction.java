package io.adamerge.checkpoint.peft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.TensorSpec;
import io.adamerge.taskvector.RandomizedSvd;
import io.adamerge.taskvector.ThinSvd;
import org.ejml.data.DMatrixRMaj;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's difference from its base written as a PEFT LoRA adapter of rank {@code r}, as mergekit's
 * {@code extract-lora} does: for every adapted matrix, the truncated SVD {@code ΔW ≈ U_r·diag(s_r)·V_rᵀ} gives
 * {@code lora_B = U_r·diag(s_r)} and {@code lora_A = V_rᵀ}, with {@code lora_alpha = r} so PEFT's scale is 1.
 * One matrix at a time (memory: one matrix of each model and its SVD). The relative Frobenius error of the
 * truncation, {@code ‖ΔW − B·A‖ / ‖ΔW‖ = √(Σ_{i>r} s_i²) / √(Σ s_i²)}, is reported per matrix and overall,
 * and so is the part of the difference a LoRA adapter cannot hold (biases, norms, convolutions).
 */
public final class LoraExtraction {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The truncation error of one matrix. */
    public record MatrixError(String tensor, int rank, double relativeError, double deltaNorm) {
    }

    /**
     * What was written.
     *
     * @param relativeError        overall ‖ΔW − B·A‖ / ‖ΔW‖ over the adapted matrices
     * @param unrepresentedShare   the share of ‖Δθ‖² in tensors an adapter cannot hold (left at the base's values)
     */
    public record Result(Path out, int rank, List<MatrixError> matrices, double relativeError, List<String> unrepresented,
                         double unrepresentedShare) {
    }

    private LoraExtraction() {
    }

    /**
     * Writes {@code out} (a new folder: adapter_config.json + adapter_model.safetensors). {@code targets}, when not
     * null, picks the 2-D weights to adapt by name (a regex that must match the whole name); by default every 2-D
     * floating {@code *.weight} that differs from the base. Names containing {@code embed} become LoRA embedding
     * factors. Refuses an existing {@code out} unless {@code force}.
     */
    public static Result extract(Checkpoint base, Checkpoint model, int rank, Pattern targets, Path out, String baseName, boolean force) {
        return extract(base, model, rank, targets, out, baseName, force, Decomposition.EXACT, Progress.NONE);
    }

    /** How each difference is factored. */
    public enum Decomposition {
        /** The full thin SVD, truncated: the optimal rank-r factors (mergekit's way); O(m·n·min(m, n)) per matrix. */
        EXACT,
        /**
         * The leading r triplets by a seeded randomized range finder ({@link RandomizedSvd}: 10 extra columns, two
         * power iterations): far faster on large matrices, near-optimal on decaying spectra; the reported error is
         * exact for the factors written.
         */
        RANDOMIZED
    }

    /** Told after each candidate matrix (its SVD is most of the time), so that a long extraction can show progress. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (tensor, done, total) -> { };

        /**
         * {@code done} of {@code total} candidate matrices (2-D {@code *.weight} of the targets) are handled, the last
         * being {@code tensor}; told first with {@code done} 0 and an empty name, before any matrix.
         */
        void matrix(String tensor, int done, int total);
    }

    /**
     * {@link #extract(Checkpoint, Checkpoint, int, Pattern, Path, String, boolean)} with the given decomposition, telling
     * {@code progress} per matrix.
     */
    public static Result extract(Checkpoint base, Checkpoint model, int rank, Pattern targets, Path out, String baseName, boolean force,
                                 Decomposition decomposition, Progress progress) {
        if (rank < 1) {
            throw new CheckpointException("--rank must be at least 1, not " + rank);
        }
        if (Files.exists(out) && !force) {
            throw new CheckpointException(out + ": already exists; choose another --out or pass --force to replace it");
        }
        Map<String, float[][]> factors = new LinkedHashMap<>(); // module → {A, B}
        Map<String, long[][]> shapes = new LinkedHashMap<>();
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        List<String> embeddings = new ArrayList<>();
        List<MatrixError> errors = new ArrayList<>();
        List<String> unrepresented = new ArrayList<>();
        double kept = 0;
        double total = 0;
        double lost = 0;
        double all = 0;
        int candidates = (int) base.tensors().stream().filter(t -> isCandidate(t, targets)).count();
        int handled = 0;
        progress.matrix("", 0, candidates);
        for (TensorInfo t : base.tensors()) {
            if (!t.dtype().isFloating()) {
                continue;
            }
            if (!model.has(t.name())) {
                throw new CheckpointException(model.source() + ": no tensor '" + t.name() + "' (the base has it)");
            }
            float[] b = base.readFloats(t.name());
            float[] m = model.readFloats(t.name());
            if (m.length != b.length) {
                throw new CheckpointException(model.source() + ": tensor '" + t.name() + "' has another shape than in the base");
            }
            double norm2 = 0;
            for (int i = 0; i < b.length; i++) {
                double d = (double) m[i] - b[i];
                if (!Double.isFinite(d)) {
                    throw new CheckpointException(model.source() + ": tensor '" + t.name() + "' holds " + m[i] + " at element " + i);
                }
                norm2 += d * d;
            }
            all += norm2;
            boolean matrix = isCandidate(t, targets);
            if (!matrix || norm2 == 0) {
                if (norm2 > 0) {
                    unrepresented.add(t.name());
                    lost += norm2;
                }
                if (matrix) {
                    progress.matrix(t.name(), ++handled, candidates);
                }
                continue;
            }
            int rows = Math.toIntExact(t.shape()[0]);
            int cols = Math.toIntExact(t.shape()[1]);
            String module = t.name().substring(0, t.name().length() - ".weight".length());
            boolean embedding = module.contains("embed");
            // PEFT's embedding update is (B·A)ᵀ: factor the transposed difference
            int outDim = embedding ? cols : rows;
            int inDim = embedding ? rows : cols;
            DMatrixRMaj delta = new DMatrixRMaj(outDim, inDim);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double d = (double) m[r * cols + c] - b[r * cols + c];
                    if (embedding) {
                        delta.set(c, r, d);
                    } else {
                        delta.set(r, c, d);
                    }
                }
            }
            ThinSvd svd = decomposition == Decomposition.RANDOMIZED ? RandomizedSvd.leading(delta, rank) : ThinSvd.of(delta);
            int k = Math.min(rank, svd.s().length);
            double tail = 0;
            if (decomposition == Decomposition.RANDOMIZED) {
                // only the leading values are known: ‖Δ − B·A‖² = ‖Δ‖² − Σ_{i<k} s_i² (B·A is a projection of Δ)
                double head = 0;
                for (int i = 0; i < k; i++) {
                    head += svd.s()[i] * svd.s()[i];
                }
                tail = Math.max(0, norm2 - head);
            } else {
                for (int i = k; i < svd.s().length; i++) {
                    tail += svd.s()[i] * svd.s()[i];
                }
            }
            float[] aOut = new float[k * inDim];
            float[] bOut = new float[outDim * k];
            DMatrixRMaj u = svd.leftColumns(k);
            DMatrixRMaj vt = svd.rightRows(k);
            for (int i = 0; i < k; i++) {
                for (int c = 0; c < inDim; c++) {
                    aOut[i * inDim + c] = (float) vt.get(i, c);
                }
                for (int r = 0; r < outDim; r++) {
                    bOut[r * k + i] = (float) (u.get(r, i) * svd.s()[i]);
                }
            }
            factors.put(module, new float[][]{aOut, bOut});
            shapes.put(module, new long[][]{{k, inDim}, {outDim, k}});
            if (k != rank) {
                rankPattern.put(module, k);
            }
            if (embedding) {
                embeddings.add(module);
            }
            errors.add(new MatrixError(t.name(), k, Math.sqrt(tail / norm2), Math.sqrt(norm2)));
            kept += norm2 - tail;
            total += norm2;
            progress.matrix(t.name(), ++handled, candidates);
        }
        if (factors.isEmpty()) {
            throw new CheckpointException(model.source() + ": no 2-D weight differs from the base" + (targets == null ? "" : " among the targets " + targets)
                    + "; nothing to extract");
        }
        write(out, rank, factors, shapes, rankPattern, embeddings, baseName, force);
        double overall = total == 0 ? 0 : Math.sqrt(Math.max(0, total - kept) / total);
        return new Result(out, rank, errors, overall, unrepresented, all == 0 ? 0 : lost / all);
    }

    /** A floating 2-D {@code *.weight} that the targets (all, when null) pick: factored when it differs from the base. */
    private static boolean isCandidate(TensorInfo t, Pattern targets) {
        return t.dtype().isFloating() && t.shape().length == 2 && t.name().endsWith(".weight")
                && (targets == null || targets.matcher(t.name()).matches());
    }

    private static void write(Path out, int rank, Map<String, float[][]> factors, Map<String, long[][]> shapes,
                              Map<String, Integer> rankPattern, List<String> embeddings, String baseName, boolean force) {
        Path parent = out.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(parent);
            // default modes, removed at exit if unfinished, swept after a kill (the output policy's temporaries)
            tmp = io.adamerge.io.AtomicFiles.newTempDirectory(out);
        } catch (IOException e) {
            throw new CheckpointException(out + ": cannot create a folder beside it (" + e.getMessage() + ")", e);
        }
        try {
            List<TensorSpec> specs = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            for (Map.Entry<String, float[][]> e : factors.entrySet()) {
                boolean emb = embeddings.contains(e.getKey());
                String prefix = PeftAdapter.PREFIX + e.getKey();
                specs.add(new TensorSpec(prefix + (emb ? ".lora_embedding_A" : ".lora_A.weight"), DType.F32, shapes.get(e.getKey())[0]));
                values.add(e.getValue()[0]);
                specs.add(new TensorSpec(prefix + (emb ? ".lora_embedding_B" : ".lora_B.weight"), DType.F32, shapes.get(e.getKey())[1]));
                values.add(e.getValue()[1]);
            }
            try (SafetensorsWriter w = new SafetensorsWriter(tmp.resolve(PeftAdapter.WEIGHTS), specs, Map.of("format", "pt"))) {
                for (float[] v : values) {
                    w.next();
                    w.writeFloats(v);
                }
                w.commit();
            }
            ObjectNode cfg = JSON.createObjectNode();
            cfg.put("peft_type", "LORA");
            cfg.putNull("task_type");
            cfg.put("base_model_name_or_path", baseName);
            cfg.put("r", rank);
            cfg.put("lora_alpha", rank);
            ArrayNode targetList = cfg.putArray("target_modules");
            factors.keySet().forEach(targetList::add);
            cfg.put("lora_dropout", 0.0);
            cfg.put("bias", "none");
            cfg.put("fan_in_fan_out", false);
            cfg.put("use_rslora", false);
            cfg.put("use_dora", false);
            cfg.putNull("modules_to_save");
            ObjectNode ranks = cfg.putObject("rank_pattern");
            ObjectNode alphas = cfg.putObject("alpha_pattern");
            // a matrix smaller than r keeps its full rank; alpha follows so that PEFT's scale stays 1
            rankPattern.forEach((module, k) -> {
                // PEFT matches pattern keys as Python regexes against the end of the module name: escape the dots
                String key = module.replaceAll("([\\\\.\\[\\]{}()*+?^$|])", "\\\\$1");
                ranks.put(key, k);
                alphas.put(key, k);
            });
            cfg.put("init_lora_weights", true);
            cfg.put("inference_mode", true);
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(LoraConfig.FILE).toFile(), cfg);
            // replaces an existing folder only with force (checked before the work): moved aside, then deleted
            io.adamerge.io.AtomicFiles.commit(tmp, out, force);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(out + ": cannot write the adapter (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw new CheckpointException(p + ": cannot remove (" + e.getMessage() + ")", e);
        }
    }
}
