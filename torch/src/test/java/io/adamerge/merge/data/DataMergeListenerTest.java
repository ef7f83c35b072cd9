package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.model.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Data merges report their processed images to a listener without changing what they compute. */
class DataMergeListenerTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = TorchRuntime.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Every (done, total) the listener got. */
    private static final class Recorder implements DataMergeListener {
        final List<long[]> calls = new ArrayList<>();

        @Override
        public void processed(long done, long total) {
            calls.add(new long[] {done, total});
        }
    }

    @Test
    void fisherReportsEveryImageUpToTheTotalAndMergesTheSame() {
        // 3 samples per task: one report per image (one backward pass each)
        checkProgress(new FisherMerging(new FisherMerging.Settings(3, 5, 1e-8f)), 3, 1);
    }

    @Test
    void regMeanReportsEveryBatchUpToTheTotalAndMergesTheSame() {
        // 6 samples per task in batches of 4: reports after 4 and after 6 images of each task
        checkProgress(new RegMean(new RegMean.Settings(6, 0.9, 4, 2, true)), 6, 4);
    }

    private static void checkProgress(DataMergeMethod method, int samples, int largestStep) {
        try (NDManager m = manager.newSubManager()) {
            DataMergeInput input = Fixture.input(m, 0, 1, 2);
            long expectedTotal = input.tasks().stream().mapToLong(t -> Math.min(samples, t.examples().count())).sum();
            Recorder recorder = new Recorder();
            Map<String, NDArray> withListener = method.merge(input, m, recorder);
            Map<String, NDArray> without = method.merge(input, m);

            assertThat(recorder.calls).hasSizeGreaterThan(1);
            assertThat(recorder.calls.get(0)).containsExactly(0, expectedTotal);
            long previous = 0;
            for (long[] call : recorder.calls.subList(1, recorder.calls.size())) {
                assertThat(call[1]).isEqualTo(expectedTotal);
                assertThat(call[0]).isGreaterThan(previous).isLessThanOrEqualTo(previous + largestStep);
                previous = call[0];
            }
            assertThat(previous).isEqualTo(expectedTotal);
            // the listener only watches: the merge is bit-identical
            assertThat(withListener.keySet()).containsExactlyElementsOf(without.keySet());
            for (String key : without.keySet()) {
                assertThat(withListener.get(key).toFloatArray()).as(key).containsExactly(without.get(key).toFloatArray());
            }
        }
    }
}
