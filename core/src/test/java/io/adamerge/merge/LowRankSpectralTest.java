package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.merge.config.MergeOverrides;
import io.adamerge.merge.methods.IsotropicCommonTaskMerge;
import io.adamerge.merge.methods.IsotropicMerge;
import io.adamerge.merge.methods.TaskSingularVectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rank-aware spectral merges ({@code rank_tolerance}) and their variants ({@code *_lowrank}): at 0 the official
 * algorithms, bit for bit; above 0, on exactly low-rank task vectors (B·A, as LoRA's), a merge that stays in the span of
 * the task vectors' column spaces, where the official one does not.
 */
class LowRankSpectralTest {
    private final InMemoryMerge merger = InMemoryMerge.withDiscoveredMethods();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"tsv_m_lowrank,tsv_m", "iso_c_lowrank,iso_c", "iso_cts_lowrank,iso_cts"})
    void aVariantIsItsBaseMethodWithOverrides(String variant, String base) {
        MergeMethods registry = MergeMethods.discover();
        MethodVariant v = registry.variant(variant).orElseThrow();
        assertThat(v.base()).isEqualTo(base);
        assertThat(v.overrides()).containsExactly(Map.entry("rank_tolerance", 1e-4));
        assertThat(registry.variantNames()).contains(variant);
        assertThat(registry.variant(base)).isEmpty();
        // get() refuses a variant's name rather than silently dropping its overrides
        assertThatThrownBy(() -> registry.get(variant)).isInstanceOf(MergeConfigException.class).hasMessageContaining(base);

        // merge --method VARIANT: the base method with the override; a value the user gives wins
        List<Path> models = List.of(Reference.FINE_TUNED.get(0), Reference.FINE_TUNED.get(1));
        MergeOverrides flags = new MergeOverrides(variant, Reference.PRE, models, null, null, Map.of(), null, tmp.resolve("o"), null);
        var config = flags.applyTo(null, registry);
        assertThat(config.method()).isEqualTo(base);
        assertThat(config.parameters()).containsEntry("rank_tolerance", 1e-4);
        MergeOverrides userValue = new MergeOverrides(variant, Reference.PRE, models, null, null, Map.of("rank_tolerance", "0.01"), null,
                tmp.resolve("o"), null);
        assertThat(userValue.applyTo(null, registry).parameters()).containsEntry("rank_tolerance", "0.01");
    }

    @Test
    void eachSpectralMethodDeclaresRankToleranceDefaultZero() {
        for (MergeMethod m : List.of(new TaskSingularVectors(), new IsotropicMerge(), new IsotropicCommonTaskMerge())) {
            MergeParameter p = m.parameters().stream().filter(x -> x.name().equals("rank_tolerance")).findFirst().orElseThrow();
            assertThat(p.defaultValue()).isEqualTo(0.0);
            assertThatThrownBy(() -> p.parse("-1", "parameters")).isInstanceOf(MergeConfigException.class);
        }
    }

    /**
     * SHA-256 of the tensor data (the safetensors file after its header) of each method's merge of the reference fixture,
     * measured with the jar before rank_tolerance existed (main at 8100422, 3 Dec 2026): the official path is unchanged
     * bit for bit, whether rank_tolerance is left out or given as 0.
     */
    @ParameterizedTest
    @CsvSource({
            "tsv_m,6f913d570088838617b28f666133a26780bf1f16aaf1ebdf70d51e5c608571eb",
            "iso_c,326216be332a08a8540f393a222296b80d8f45501e0dc2d404c5ec2850ad27e6",
            "iso_cts,d890c1619dad7a49c1840e62cdbc31203d2879b89885ec109508376193d8b223"})
    void rankToleranceZeroIsTheOfficialMergeBitForBit(String method, String sha256BeforeTheChange) throws Exception {
        for (Map<String, Object> params : List.of(Map.<String, Object>of(), Map.<String, Object>of("rank_tolerance", 0.0))) {
            Path out = tmp.resolve(method + params.size() + ".safetensors");
            MergeResult r = MergeExecutor.withDiscoveredMethods().run(MergeJob.of(method, Reference.PRE, Reference.FINE_TUNED, out)
                    .withParameters(params));
            assertThat(dataSha256(out)).as("%s %s", method, params).isEqualTo(sha256BeforeTheChange);
            try (var c = io.adamerge.checkpoint.Checkpoint.open(out)) {
                assertThat(c.metadata().get("adamerge.parameters")).contains("\"rank_tolerance\":0.0");
            }
        }
    }

    /** SHA-256 of a safetensors file's data section: everything after the 8-byte length and the JSON header. */
    static String dataSha256(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(all, (int) (8 + headerLength), (int) (all.length - 8 - headerLength));
        return HexFormat.of().formatHex(d.digest());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // exactly low-rank task vectors

    static final int ROWS = 40;
    static final int COLS = 32;
    static final int RANK = 2;
    static final int TASKS = 4; // TSV-M's share: 32 / 4 = 8 components per task, 4 times the rank

    /** T task vectors τ_t = B_t·A_t of rank 2 on a random base, as one "w" matrix; also their B_t. */
    record LowRankPool(Map<String, FloatTensor> base, List<Map<String, FloatTensor>> models, List<DMatrixRMaj> columnFactors) {
        static LowRankPool draw(long seed) {
            Random rnd = new Random(seed);
            float[] base = new float[ROWS * COLS];
            for (int i = 0; i < base.length; i++) {
                base[i] = (float) (0.05 * rnd.nextGaussian());
            }
            List<Map<String, FloatTensor>> models = new ArrayList<>();
            List<DMatrixRMaj> bs = new ArrayList<>();
            for (int t = 0; t < TASKS; t++) {
                DMatrixRMaj b = gaussian(ROWS, RANK, rnd);
                DMatrixRMaj a = gaussian(RANK, COLS, rnd);
                DMatrixRMaj tau = new DMatrixRMaj(ROWS, COLS);
                CommonOps_DDRM.mult(b, a, tau);
                CommonOps_DDRM.scale(0.01, tau);
                float[] ft = new float[base.length];
                for (int i = 0; i < ft.length; i++) {
                    ft[i] = (float) (base[i] + tau.data[i]);
                }
                Map<String, FloatTensor> model = new LinkedHashMap<>();
                model.put("w", FloatTensor.of(ft, ROWS, COLS));
                models.add(model);
                bs.add(b);
            }
            Map<String, FloatTensor> b = new LinkedHashMap<>();
            b.put("w", FloatTensor.of(base, ROWS, COLS));
            return new LowRankPool(b, models, bs);
        }

        /** ‖(I − QQᵀ)·M‖_F / ‖M‖_F for the merged task vector M and Q an orthonormal basis of span(B_1 … B_T). */
        double residualOutsideTheSpan(Map<String, FloatTensor> merged) {
            DMatrixRMaj m = new DMatrixRMaj(ROWS, COLS);
            float[] out = merged.get("w").data();
            float[] pre = base.get("w").data();
            for (int i = 0; i < out.length; i++) {
                m.data[i] = (double) out[i] - pre[i];
            }
            DMatrixRMaj all = new DMatrixRMaj(ROWS, RANK * TASKS);
            for (int t = 0; t < TASKS; t++) {
                CommonOps_DDRM.insert(columnFactors.get(t), all, 0, t * RANK);
            }
            QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(ROWS, RANK * TASKS);
            qr.decompose(all.copy());
            DMatrixRMaj q = qr.getQ(null, true);
            DMatrixRMaj coefficients = new DMatrixRMaj(q.numCols, COLS);
            CommonOps_DDRM.multTransA(q, m, coefficients);
            DMatrixRMaj inside = new DMatrixRMaj(ROWS, COLS);
            CommonOps_DDRM.mult(q, coefficients, inside);
            DMatrixRMaj outside = new DMatrixRMaj(ROWS, COLS);
            CommonOps_DDRM.subtract(m, inside, outside);
            return NormOps_DDRM.normF(outside) / NormOps_DDRM.normF(m);
        }
    }

    static DMatrixRMaj gaussian(int rows, int cols, Random rnd) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = rnd.nextGaussian();
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tsv_m", "iso_c", "iso_cts"})
    void theLowRankMergeStaysInTheTaskVectorsSpanAndTheOfficialDoesNot(String method) {
        LowRankPool pool = LowRankPool.draw(7);
        Map<String, FloatTensor> official = merger.merge(method, Map.of(), List.of(), pool.base(), pool.models());
        Map<String, FloatTensor> lowRank = merger.merge(method, Map.of("rank_tolerance", 1e-4), List.of(), pool.base(), pool.models());
        double officialOutside = pool.residualOutsideTheSpan(official);
        double lowRankOutside = pool.residualOutsideTheSpan(lowRank);
        System.out.printf("%s: fraction of the merged norm outside span(B_1..B_T): official %.3f, rank_tolerance 1e-4 %.2e%n",
                method, officialOutside, lowRankOutside);
        // the F32 round trip θ_pre + τ − θ_pre leaves ~1e-7 relative noise; the official merges put most of their norm outside
        assertThat(lowRankOutside).isLessThan(1e-4);
        assertThat(officialOutside).isGreaterThan(0.3);
    }

    @Test
    void tsvmKeepsAtMostEachTasksRankAndIsoCFlattensOnlyTheSumsRank() {
        LowRankPool pool = LowRankPool.draw(11);
        for (String method : List.of("tsv_m", "iso_c")) {
            Map<String, FloatTensor> lowRank = merger.merge(method, Map.of("rank_tolerance", 1e-4), List.of(), pool.base(), pool.models());
            double[] s = singularValues(pool, lowRank);
            int rank = 0;
            while (rank < s.length && s[rank] > 1e-4 * s[0]) {
                rank++;
            }
            // T tasks × rank 2: 8 directions, not TSV-M's 4 × 8 = 32 nor Iso-C's min(m, n) = 32
            assertThat(rank).as(method).isEqualTo(TASKS * RANK);
            if (method.equals("iso_c")) {
                // a flat spectrum over those 8 directions (the F32 output rounds it to ~1e-6)
                for (int i = 0; i < rank; i++) {
                    assertThat(s[i] / s[0]).as("iso_c σ_%d / σ_1", i).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
    }

    static double[] singularValues(LowRankPool pool, Map<String, FloatTensor> merged) {
        DMatrixRMaj m = new DMatrixRMaj(ROWS, COLS);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = (double) merged.get("w").data()[i] - pool.base().get("w").data()[i];
        }
        var svd = DecompositionFactory_DDRM.svd(ROWS, COLS, false, false, true);
        svd.decompose(m);
        double[] s = svd.getSingularValues().clone();
        java.util.Arrays.sort(s);
        for (int i = 0; i < s.length / 2; i++) {
            double x = s[i];
            s[i] = s[s.length - 1 - i];
            s[s.length - 1 - i] = x;
        }
        return s;
    }
}
