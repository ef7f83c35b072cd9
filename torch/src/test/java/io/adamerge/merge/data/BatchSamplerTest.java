package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    @Property(tries = 200)
    void drawsDistinctValidIndicesDeterminedBySeedTaskAndStep(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int batch,
                                                              @ForAll @IntRange(min = 1, max = 60) int available,
                                                              @ForAll @IntRange(min = 0, max = 7) int task,
                                                              @ForAll @IntRange(min = 0, max = 600) int step) {
        BatchSampler s = new BatchSampler(seed, batch);
        int[] idx = s.indices(task, step, available);
        assertThat(idx).hasSize(Math.min(batch, available));
        assertThat(Arrays.stream(idx).distinct().count()).isEqualTo(idx.length);
        assertThat(Arrays.stream(idx).allMatch(i -> i >= 0 && i < available)).isTrue();
        assertThat(new BatchSampler(seed, batch).indices(task, step, available)).containsExactly(idx);
    }

    @Test
    void aBatchAsLargeAsTheDataIsAllOfItInOrder() {
        assertThat(new BatchSampler(5, 8).indices(0, 3, 8)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(new BatchSampler(5, 16).indices(2, 0, 8)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void stepsAndTasksGetDifferentBatches() {
        BatchSampler s = new BatchSampler(0, 16);
        int[] a = s.indices(0, 0, 1000);
        assertThat(s.indices(0, 1, 1000)).isNotEqualTo(a);
        assertThat(s.indices(1, 0, 1000)).isNotEqualTo(a);
        assertThat(new BatchSampler(1, 16).indices(0, 0, 1000)).isNotEqualTo(a);
    }
}
