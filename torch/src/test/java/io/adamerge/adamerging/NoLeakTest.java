package io.adamerge.adamerging;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.merge.data.TaskImages;
import io.adamerge.model.ClassificationHead;
import io.adamerge.model.ClipLayout;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VitConfig;
import io.adamerge.model.VitInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The real AdaMerging trainer (layer-wise, through {@link AdaMerging#run}: merge from coefficients, forward of every
 * task's batch, entropy, backward, Adam) must leave the long-lived managers and resident memory where they were,
 * step after step. One step allocates about 4 MB of merged weights alone (0.9 M parameters), so a native leak of
 * them would add about 400 MB over 100 steps; the bound is 48 MB. Arrays held by the managers (the caller's and the
 * run's own, sub-managers included) are counted exactly, between steps.
 */
class NoLeakTest {
    private static final int WARM_UP = 15;
    private static final int STEPS = 100;
    private static final long MAX_GROWTH_BYTES = 48L << 20;

    @Test
    void trainerStepsKeepManagersAndMemoryFlat() {
        VitConfig config = new VitConfig(32, 8, 3, 192, 2, 3, 768, 64, 1e-5, HiddenAct.QUICK_GELU);
        try (NDManager m = TorchRuntime.newManager()) {
            Map<String, NDArray> pre = VitInit.random(config, m, 1);
            List<Map<String, NDArray>> finetuned = List.of(VitInit.random(config, m, 2), VitInit.random(config, m, 3));
            Random random = new Random(4);
            List<AdaMerging.Task> tasks = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                float[] pixels = new float[8 * 3 * 32 * 32];
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (float) random.nextGaussian();
                }
                tasks.add(new AdaMerging.Task("task" + k, new ClassificationHead(m.randomNormal(new Shape(10, 64)), null, true),
                        new TaskImages("task" + k, 8, 3, 32, 32, pixels)));
            }
            AdaMergingConfig settings = AdaMergingConfig.defaults(Granularity.LAYER, false).withBatchSize(4)
                    .withSteps(WARM_UP + STEPS);
            ClipVisionModel model = new ClipVisionModel(config, ClipLayout.HUGGING_FACE);
            try (AdaMerging ada = AdaMerging.create(model, pre, finetuned, tasks, settings, m)) {
                int[] arrays = new int[STEPS + 1];
                long[] rss = new long[2];
                List<Float> losses = new ArrayList<>();
                Coefficients end = ada.run(ada.initialCoefficients(), (r, c) -> {
                    losses.add(r.loss());
                    assertThat(r.gradient()).as("gradient at step %d", r.step()).isNotEqualTo(new float[r.gradient().length]);
                    if (c.step() >= WARM_UP) {
                        arrays[c.step() - WARM_UP] = m.getManagedArrays().size();
                    }
                    if (c.step() == WARM_UP) {
                        rss[0] = residentBytes();
                    }
                });
                rss[1] = residentBytes();
                System.out.printf("RSS after %d warm-up steps %d MB, after %d more %d MB (growth %+.1f MB); arrays %d -> %d%n",
                        WARM_UP, rss[0] >> 20, STEPS, rss[1] >> 20, (rss[1] - rss[0]) / 1048576.0, arrays[0], arrays[STEPS]);
                assertThat(end.step()).isEqualTo(WARM_UP + STEPS);
                assertThat(losses).hasSize(WARM_UP + STEPS).allMatch(l -> Float.isFinite(l) && l > 0f);
                assertThat(arrays).as("arrays held by the managers after each step").containsOnly(arrays[0]);
                assertThat(rss[1] - rss[0]).as("RSS growth over %d steps (from %d MB)", STEPS, rss[0] >> 20)
                        .isLessThan(MAX_GROWTH_BYTES);
            }
        }
    }

    private static long residentBytes() {
        System.gc();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
