package io.adamerge.merge;

import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.taskvector.ChunkReader;
import io.adamerge.taskvector.ModelSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Auxiliary per-model checkpoints of {@link ParameterType#CHECKPOINT} parameters. */
final class AuxiliaryInputs implements AutoCloseable {
    private final Map<String, List<Checkpoint>> byParameter;

    private AuxiliaryInputs(Map<String, List<Checkpoint>> byParameter) {
        this.byParameter = byParameter;
    }

    static AuxiliaryInputs open(MergeMethod method, MergeParameters params, ModelSet inputs) {
        Map<String, List<Checkpoint>> opened = new LinkedHashMap<>();
        AuxiliaryInputs extras = new AuxiliaryInputs(opened);
        try {
            for (MergeParameter p : method.parameters()) {
                if (p.type() != ParameterType.CHECKPOINT) {
                    continue;
                }
                List<Checkpoint> list = new ArrayList<>();
                opened.put(p.name(), list);
                for (int k = 0; k < inputs.size(); k++) {
                    Checkpoint c = Checkpoint.open(params.checkpoint(p.name(), k));
                    list.add(c);
                    for (TensorInfo t : inputs.floatTensors()) {
                        if (c.has(t.name()) && !Arrays.equals(c.info(t.name()).shape(), t.shape())) {
                            throw new CheckpointException(c.source() + ": tensor '" + t.name() + "' has shape "
                                    + c.info(t.name()).shapeString() + " but the models have " + t.shapeString());
                        }
                    }
                }
            }
            return extras;
        } catch (RuntimeException e) {
            extras.close();
            throw e;
        }
    }

    Map<String, float[][]> arrays(int models, int chunkSize) {
        Map<String, float[][]> out = new LinkedHashMap<>();
        for (String name : byParameter.keySet()) {
            out.put(name, new float[models][chunkSize]);
        }
        return out;
    }

    /** Reads the chunk from every auxiliary checkpoint that has the tensor; others get a null entry. */
    Map<String, float[][]> read(TensorInfo t, long start, int count, ChunkReader reader, Map<String, float[][]> arrays) {
        if (byParameter.isEmpty()) {
            return Map.of();
        }
        Map<String, float[][]> present = new LinkedHashMap<>();
        for (Map.Entry<String, List<Checkpoint>> e : byParameter.entrySet()) {
            float[][] buffers = arrays.get(e.getKey());
            float[][] view = new float[buffers.length][];
            for (int k = 0; k < buffers.length; k++) {
                Checkpoint c = e.getValue().get(k);
                if (c.has(t.name())) {
                    reader.readOne(c, t, start, count, buffers[k]);
                    view[k] = buffers[k];
                }
            }
            present.put(e.getKey(), view);
        }
        return present;
    }

    @Override
    public void close() {
        byParameter.values().forEach(list -> list.forEach(Checkpoint::close));
    }
}
