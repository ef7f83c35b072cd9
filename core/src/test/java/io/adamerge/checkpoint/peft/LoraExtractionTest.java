package io.adamerge.checkpoint.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.taskvector.ModelSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/**
 * A difference whose SVD is known by construction, ΔQ = 3·u₁v₁ᵀ + 1·u₂v₂ᵀ with orthonormal u, v: written as a LoRA
 * adapter of rank 2 it comes back exactly (read by {@link PeftAdapter}); at rank 1 the relative Frobenius error is
 * 1/√(3² + 1²). The adapter is in PEFT's layout: key names, factor shapes, config fields.
 */
class LoraExtractionTest {
    @TempDir
    Path tmp;

    static final double R = Math.sqrt(0.5);
    static final double[] U1 = {R, R, 0, 0, 0, 0};
    static final double[] U2 = {0, 0, R, -R, 0, 0};
    static final double[] V1 = {R, 0, R, 0};
    static final double[] V2 = {0, R, 0, -R};

    static float[] deltaQ() {
        float[] d = new float[24];
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 4; c++) {
                d[r * 4 + c] = (float) (3 * U1[r] * V1[c] + U2[r] * V2[c]);
            }
        }
        return d;
    }

    /** Rank 1, [5, 3]: (1, 2, 0, -1, 1)ᵀ·(1, 0, -2). */
    static float[] deltaEmb() {
        float[] a = {1, 2, 0, -1, 1};
        float[] b = {1, 0, -2};
        float[] d = new float[15];
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 3; c++) {
                d[r * 3 + c] = a[r] * b[c];
            }
        }
        return d;
    }

    Path[] baseAndModel() {
        float[] q = new float[24];
        float[] emb = new float[15];
        for (int i = 0; i < q.length; i++) {
            q[i] = (i % 7) * 0.25f - 0.5f;
        }
        for (int i = 0; i < emb.length; i++) {
            emb[i] = (i % 5) * 0.5f;
        }
        float[] bias = {0, 0, 0, 0, 0, 0};
        Path base = tmp.resolve("base.safetensors");
        Map<String, FloatTensor> b = new LinkedHashMap<>();
        b.put("enc.q.weight", FloatTensor.of(q.clone(), 6, 4));
        b.put("enc.q.bias", FloatTensor.of(bias.clone(), 6));
        b.put("emb.word_embeddings.weight", FloatTensor.of(emb.clone(), 5, 3));
        SafetensorsWriter.write(base, b, Map.of());
        float[] dq = deltaQ();
        float[] de = deltaEmb();
        for (int i = 0; i < q.length; i++) {
            q[i] += dq[i];
        }
        for (int i = 0; i < emb.length; i++) {
            emb[i] += de[i];
        }
        bias[0] = 2; // ‖Δbias‖² = 4 of ‖Δθ‖² = 9 + 1 + 4·… (worked out in the test)
        Path model = tmp.resolve("merged.safetensors");
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        m.put("enc.q.weight", FloatTensor.of(q, 6, 4));
        m.put("enc.q.bias", FloatTensor.of(bias, 6));
        m.put("emb.word_embeddings.weight", FloatTensor.of(emb, 5, 3));
        SafetensorsWriter.write(model, m, Map.of());
        return new Path[]{base, model};
    }

    @Test
    void rankTwoRoundTripsThroughPeftLayout() throws Exception {
        Path[] p = baseAndModel();
        Path out = tmp.resolve("adapter");
        LoraExtraction.Result result;
        try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1])) {
            result = LoraExtraction.extract(base, model, 2, null, out, "tiny-base", false);
        }
        assertThat(result.relativeError()).isLessThan(1e-6);
        // PEFT's layout: keys, shapes (A [r, in], B [out, r]; embeddings A [r, vocab], B [dim, r]) and config fields
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
            assertThat(f.tensors()).extracting(t -> t.name() + " " + t.shapeString()).containsExactlyInAnyOrder(
                    "base_model.model.enc.q.lora_A.weight [2, 4]", "base_model.model.enc.q.lora_B.weight [6, 2]",
                    "base_model.model.emb.word_embeddings.lora_embedding_A [2, 5]",
                    "base_model.model.emb.word_embeddings.lora_embedding_B [3, 2]");
        }
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(cfg.get("r").asInt()).isEqualTo(2);
        assertThat(cfg.get("lora_alpha").asInt()).isEqualTo(2);
        assertThat(cfg.get("use_dora").asBoolean()).isFalse();
        assertThat(cfg.get("base_model_name_or_path").asText()).isEqualTo("tiny-base");
        assertThat(cfg.get("target_modules")).extracting(JsonNode::asText).containsExactlyInAnyOrder("enc.q", "emb.word_embeddings");
        // the adapter read back (as every command reads adapters) gives the differences back
        try (ModelSet set = ModelSet.open(p[0], List.of(out), false)) {
            float[] dq = deltaQ();
            float[] got = set.taskVector(0, "enc.q.weight");
            for (int i = 0; i < dq.length; i++) {
                assertThat(got[i]).isCloseTo(dq[i], offset(1e-6f));
            }
            float[] de = deltaEmb();
            float[] gotEmb = set.taskVector(0, "emb.word_embeddings.weight");
            for (int i = 0; i < de.length; i++) {
                assertThat(gotEmb[i]).isCloseTo(de[i], offset(1e-6f));
            }
            assertThat(set.taskVector(0, "enc.q.bias")).containsOnly(0f);
        }
        // what an adapter cannot hold is reported: ‖Δbias‖² = 4 of 4 + ‖ΔQ‖² (10) + ‖ΔE‖² (7·5 = 35)
        assertThat(result.unrepresented()).containsExactly("enc.q.bias");
        assertThat(result.unrepresentedShare()).isCloseTo(4.0 / (4 + 10 + 35), offset(1e-6));
    }

    /** A zero base and a model whose only tensor {@code name} is {@code d}: the difference is d. */
    Path[] zeroBaseAnd(String name, org.ejml.data.DMatrixRMaj d) {
        float[] delta = new float[d.numRows * d.numCols];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = (float) d.data[i];
        }
        Path base = tmp.resolve(name + "-base.safetensors");
        Path model = tmp.resolve(name + "-model.safetensors");
        SafetensorsWriter.write(base, Map.of(name, FloatTensor.of(new float[delta.length], d.numRows, d.numCols)), Map.of());
        SafetensorsWriter.write(model, Map.of(name, FloatTensor.of(delta, d.numRows, d.numCols)), Map.of());
        return new Path[] {base, model};
    }

    /**
     * On a matrix larger than the sketch, the randomized factors give the exact ones' difference back (decaying
     * spectrum: near-optimal) and report the error of what they wrote.
     */
    @Test
    void randomizedFactorsAreTheExactOnesOnADecayingSpectrum() throws Exception {
        int rows = 90;
        int cols = 70;
        double[] spectrum = new double[cols];
        for (int i = 0; i < cols; i++) {
            spectrum[i] = Math.pow(0.6, i);
        }
        org.ejml.data.DMatrixRMaj d = io.adamerge.taskvector.KnownSpectrum.matrix(rows, cols, spectrum, 5);
        float[] delta = new float[rows * cols];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = (float) d.data[i];
        }
        Path[] p = zeroBaseAnd("big.weight", d);
        Path base = p[0];
        Path model = p[1];
        LoraExtraction.Result[] r = new LoraExtraction.Result[2];
        float[][] back = new float[2][];
        LoraExtraction.Decomposition[] kinds = LoraExtraction.Decomposition.values();
        for (int v = 0; v < 2; v++) {
            Path out = tmp.resolve("adapter-" + kinds[v]);
            try (Checkpoint b = Checkpoint.open(base); Checkpoint m = Checkpoint.open(model)) {
                r[v] = LoraExtraction.extract(b, m, 6, null, out, "b", false, kinds[v], LoraExtraction.Progress.NONE);
            }
            try (ModelSet set = ModelSet.open(base, List.of(out), false)) {
                back[v] = set.taskVector(0, "big.weight");
            }
        }
        // optimal relative error at rank 6: √(Σ_{i≥6} s_i² / Σ s_i²) = 0.6^6
        assertThat(r[0].relativeError()).isCloseTo(Math.pow(0.6, 6), offset(1e-6));
        assertThat(r[1].relativeError()).isCloseTo(r[0].relativeError(), offset(1e-6));
        double worst = 0;
        for (int i = 0; i < delta.length; i++) {
            worst = Math.max(worst, Math.abs(back[0][i] - back[1][i]));
        }
        assertThat(worst).isLessThan(1e-5);
        // and the error it reports is that of the adapter it wrote
        double err2 = 0;
        double all2 = 0;
        for (int i = 0; i < delta.length; i++) {
            err2 += Math.pow(delta[i] - back[1][i], 2);
            all2 += Math.pow(delta[i], 2);
        }
        assertThat(Math.sqrt(err2 / all2)).isCloseTo(r[1].relativeError(), offset(1e-5));
    }

    /** Its limit, stated: on a flat spectrum a sketch of r + 10 columns misses part of the best rank-r subspace. */
    @Test
    void onAFlatSpectrumTheRandomizedFactorsAreWorseThanTheExactOnes() throws Exception {
        int rows = 90;
        int cols = 70;
        double[] spectrum = new double[cols];
        java.util.Arrays.fill(spectrum, 1.0);
        for (int i = 0; i < 6; i++) {
            spectrum[i] = 1.05 + 0.01 * i; // a leading block barely above the rest
        }
        Path[] p = zeroBaseAnd("flat.weight", io.adamerge.taskvector.KnownSpectrum.matrix(rows, cols, spectrum, 6));
        Path base = p[0];
        Path model = p[1];
        double[] err = new double[2];
        LoraExtraction.Decomposition[] kinds = LoraExtraction.Decomposition.values();
        for (int v = 0; v < 2; v++) {
            try (Checkpoint b = Checkpoint.open(base); Checkpoint m = Checkpoint.open(model)) {
                err[v] = LoraExtraction.extract(b, m, 6, null, tmp.resolve("flat-" + kinds[v]), "b", false, kinds[v],
                        LoraExtraction.Progress.NONE).relativeError();
            }
        }
        assertThat(err[1]).isGreaterThan(err[0] + 1e-3);
    }

    @Test
    void rankOneReportsTheTruncationError() throws Exception {
        Path[] p = baseAndModel();
        try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1])) {
            LoraExtraction.Result r = LoraExtraction.extract(base, model, 1, null, tmp.resolve("r1"), "b", false);
            LoraExtraction.MatrixError q = r.matrices().stream().filter(m -> m.tensor().equals("enc.q.weight")).findFirst().orElseThrow();
            assertThat(q.relativeError()).isCloseTo(1 / Math.sqrt(10), offset(1e-6));
            // the embedding difference is rank 1: exact; overall √(1 / (10 + 35))
            assertThat(r.relativeError()).isCloseTo(Math.sqrt(1.0 / 45), offset(1e-6));
        }
    }

    @Test
    void progressIsToldOncePerCandidateMatrixInOrderWithTheTotal() throws Exception {
        Path[] p = baseAndModel();
        List<String> told = new ArrayList<>();
        try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1])) {
            LoraExtraction.extract(base, model, 2, null, tmp.resolve("all"), "b", false, LoraExtraction.Decomposition.EXACT,
                    (tensor, done, total) -> told.add(tensor + " " + done + "/" + total));
            // first the total, before any matrix; the bias is no candidate (1-D); both matrices are, in the file's order
            assertThat(told).containsExactly(" 0/2", "enc.q.weight 1/2", "emb.word_embeddings.weight 2/2");
            told.clear();
            // a target that picks one matrix: one step of one
            LoraExtraction.extract(base, model, 2, java.util.regex.Pattern.compile("enc\\..*"), tmp.resolve("one"), "b", false,
                    LoraExtraction.Decomposition.EXACT, (tensor, done, total) -> told.add(tensor + " " + done + "/" + total));
            assertThat(told).containsExactly(" 0/1", "enc.q.weight 1/1");
        }
    }

    @Test
    void refusesAnExistingOutputUnlessForcedAndWritesNothingOnError() throws Exception {
        Path[] p = baseAndModel();
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1])) {
            assertThatThrownBy(() -> LoraExtraction.extract(base, model, 2, null, out, "b", false))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("already exists");
            assertThat(out.resolve("keep.txt")).hasContent("mine");
            assertThatThrownBy(() -> LoraExtraction.extract(base, base, 2, null, tmp.resolve("none"), "b", false))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("nothing to extract");
            assertThat(tmp.resolve("none")).doesNotExist();
            try (var files = Files.list(tmp)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
            }
        }
    }
}
