package io.adamerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-file output has its merged chunks written at their place by the merging threads; a sharded directory output
 * is written in stream order by one thread. Both hold the same bytes for every tensor, with carried (integer) tensors
 * between the floating ones, empty tensors, and a converted output dtype.
 */
class InPlaceOutputTest {
    private static final MergeExecutor EXECUTOR = MergeExecutor.withDiscoveredMethods();

    @TempDir
    Path dir;

    private static final List<TensorSpec> LAYOUT = List.of(
            new TensorSpec("a.weight", DType.F32, new long[] {37, 11}),
            new TensorSpec("ids", DType.I64, new long[] {5}),
            new TensorSpec("empty", DType.F32, new long[] {0}),
            new TensorSpec("b.weight", DType.F32, new long[] {301}),
            new TensorSpec("mask", DType.BOOL, new long[] {3}),
            new TensorSpec("c.bias", DType.F32, new long[] {9}));

    private Path write(String name, Random r) throws IOException {
        Path p = dir.resolve(name);
        try (SafetensorsWriter w = new SafetensorsWriter(p, LAYOUT, Map.of())) {
            for (TensorSpec s : LAYOUT) {
                if (s.dtype() == DType.I64) {
                    ByteBuffer b = ByteBuffer.allocate(8 * 5).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < 5; i++) {
                        b.putLong(i * 3L);
                    }
                    w.writeBytes(b.flip());
                } else if (s.dtype() == DType.BOOL) {
                    w.writeBytes(ByteBuffer.wrap(new byte[] {1, 0, 1}));
                } else {
                    float[] v = new float[(int) s.numel()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) r.nextGaussian();
                    }
                    w.writeFloats(v);
                }
            }
            w.commit();
        }
        return p;
    }

    @Test
    void oneFileEqualsShardedDirectory() throws IOException {
        Random r = new Random(5);
        Path base = write("base.safetensors", r);
        List<Path> models = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            models.add(write("m" + k + ".safetensors", r));
        }
        for (String method : List.of("task_arithmetic", "ties")) {
            for (DType dtype : new DType[] {null, DType.F16, DType.BF16}) {
                Path file = dir.resolve(method + dtype + ".safetensors");
                Path sharded = dir.resolve(method + dtype + "-dir");
                MergeJob job = MergeJob.of(method, base, models, file).withChunkElements(16).withThreads(3);
                if (dtype != null) {
                    job = job.withOutputDType(dtype);
                }
                EXECUTOR.run(job);
                EXECUTOR.run(job.withOutput(sharded).withShardBytes(400));
                assertThat(Files.list(sharded).filter(p -> p.toString().endsWith(".safetensors")).count())
                        .as("several shards").isGreaterThan(1);
                try (Checkpoint one = Checkpoint.open(file); Checkpoint many = Checkpoint.open(sharded)) {
                    for (TensorSpec s : LAYOUT) {
                        assertThat(bytes(one.bytes(s.name()))).as(method + " " + dtype + " " + s.name())
                                .isEqualTo(bytes(many.bytes(s.name())));
                    }
                }
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
