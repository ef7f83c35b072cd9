package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.checkpoint.peft.PeftAdapter;
import io.adamerge.taskvector.ThinSvd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The low-rank hypothesis on the text zoo's LoRA adapters (README, PEM section), measured: the numerical rank of each
 * adapter's ΔW = (alpha/r)·B·A as the merges see it (θ_pre + ΔW in F32, minus θ_pre), and the share of the official
 * Iso-C merge (and of {@code rank_tolerance} 1e-4) that lies outside the adapters' span, span(U_1 … U_T) of the
 * ΔWs' left singular vectors of non-zero singular values. A measurement tool, not part of the suite: it reads the
 * built LoRA zoo and runs only with {@code -Dadamerge.lora.zoo=~/.cache/adamerge/zoo-text-lora}
 * ({@code -Dadamerge.lora.modules=N}: the first N adapted matrices, default all).
 */
@EnabledIfSystemProperty(named = "adamerge.lora.zoo", matches = ".+")
class LoraSpanCheck {
    @Test
    void adaptersHaveTheirRankAndOfficialIsoCLeavesTheirSpan() throws Exception {
        Path zoo = Path.of(System.getProperty("adamerge.lora.zoo"));
        Path baseFile = zoo.resolve("pretrained").resolve("model.safetensors");
        List<Path> adapters;
        try (Stream<Path> s = Files.list(zoo.resolve("lora"))) {
            adapters = s.filter(PeftAdapter::isAdapter).sorted().toList();
        }
        int limit = Integer.getInteger("adamerge.lora.modules", Integer.MAX_VALUE);
        List<Checkpoint> models = new ArrayList<>();
        int rankSetting;
        List<String> modules;
        try (PeftAdapter first = PeftAdapter.open(adapters.get(0))) {
            rankSetting = first.modules().get(0).rank();
            modules = first.modules().stream().map(PeftAdapter.Module::module).toList();
        }
        InMemoryMerge merger = InMemoryMerge.withDiscoveredMethods();
        int minRank = Integer.MAX_VALUE;
        int maxRank = 0;
        double[] outsideSq = new double[2];
        double[] totalSq = new double[2];
        double worstTail = 0;
        int measured = 0;
        try (Checkpoint base = Checkpoint.open(baseFile)) {
            for (Path a : adapters) {
                models.add(PeftAdapter.open(a).over(Checkpoint.open(baseFile)));
            }
            for (String module : modules) {
                if (measured >= limit) {
                    break;
                }
                String name = base.names().stream().filter(n -> n.endsWith(module + ".weight") || n.equals(module + ".weight"))
                        .findFirst().orElseThrow(() -> new AssertionError("no base tensor for module " + module));
                TensorInfo info = base.info(name);
                int rows = (int) info.shape()[0];
                int cols = (int) info.shape()[1];
                float[] pre = base.readFloats(name);
                Map<String, FloatTensor> baseMap = new LinkedHashMap<>();
                baseMap.put(name, FloatTensor.of(pre, info.shape()));
                List<Map<String, FloatTensor>> fine = new ArrayList<>();
                List<DMatrixRMaj> spans = new ArrayList<>();
                for (Checkpoint m : models) {
                    float[] ft = m.readFloats(name);
                    Map<String, FloatTensor> one = new LinkedHashMap<>();
                    one.put(name, FloatTensor.of(ft, info.shape()));
                    fine.add(one);
                    DMatrixRMaj tau = new DMatrixRMaj(rows, cols);
                    for (int i = 0; i < ft.length; i++) {
                        tau.data[i] = ft[i] - pre[i];
                    }
                    ThinSvd svd = ThinSvd.of(tau);
                    int r = 0;
                    while (r < svd.s().length && svd.s()[r] > 1e-4 * svd.s()[0]) {
                        r++;
                    }
                    minRank = Math.min(minRank, r);
                    maxRank = Math.max(maxRank, r);
                    if (r < svd.s().length) {
                        worstTail = Math.max(worstTail, svd.s()[r] / svd.s()[0]);
                    }
                    spans.add(svd.leftColumns(r));
                }
                DMatrixRMaj q = ThinSvd.polar(SpectralSpan.columns(spans, rows));
                int k = 0;
                for (Map<String, Object> params : List.of(Map.<String, Object>of(), Map.<String, Object>of("rank_tolerance", 1e-4))) {
                    float[] merged = merger.merge("iso_c", params, List.of(), baseMap, fine).get(name).data();
                    DMatrixRMaj mm = new DMatrixRMaj(rows, cols);
                    for (int i = 0; i < merged.length; i++) {
                        mm.data[i] = (double) merged[i] - pre[i];
                    }
                    DMatrixRMaj coefficients = new DMatrixRMaj(q.numCols, cols);
                    CommonOps_DDRM.multTransA(q, mm, coefficients);
                    DMatrixRMaj inside = new DMatrixRMaj(rows, cols);
                    CommonOps_DDRM.mult(q, coefficients, inside);
                    DMatrixRMaj outside = new DMatrixRMaj(rows, cols);
                    CommonOps_DDRM.subtract(mm, inside, outside);
                    double o = NormOps_DDRM.normF(outside);
                    double t = NormOps_DDRM.normF(mm);
                    outsideSq[k] += o * o;
                    totalSq[k] += t * t;
                    k++;
                }
                measured++;
            }
        } finally {
            for (Checkpoint m : models) {
                m.close();
            }
        }
        System.out.printf("LoRA span check: %d adapters (r %d), %d adapted matrices%n", adapters.size(), rankSetting, measured);
        System.out.printf("  numerical rank of ΔW (σ > 1e-4·σ_max): min %d, max %d; largest σ_{rank+1}/σ_1 %.2e%n", minRank, maxRank,
                worstTail);
        for (int k = 0; k < 2; k++) {
            System.out.printf("  iso_c %s: share of the merged norm outside the adapters' span: %.1f%% (of its energy ‖·‖²: %.1f%%)%n",
                    k == 0 ? "official" : "rank_tolerance 1e-4", 100 * Math.sqrt(outsideSq[k] / totalSq[k]),
                    100 * outsideSq[k] / totalSq[k]);
        }
        assertThat(maxRank).isLessThanOrEqualTo(rankSetting);
        assertThat(outsideSq[1] / totalSq[1]).isLessThan(1e-6);
    }

    /** [A_1 | … | A_k] side by side. */
    static final class SpectralSpan {
        static DMatrixRMaj columns(List<DMatrixRMaj> blocks, int rows) {
            int cols = blocks.stream().mapToInt(b -> b.numCols).sum();
            DMatrixRMaj out = new DMatrixRMaj(rows, cols);
            int at = 0;
            for (DMatrixRMaj b : blocks) {
                CommonOps_DDRM.insert(b, out, 0, at);
                at += b.numCols;
            }
            return out;
        }
    }
}
