package io.adamerge.onnx;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the reader keeps of an ONNX {@code ModelProto}: versions, the main graph's nodes (in file order, which ONNX
 * requires to be topological), its initializers (in file order) and the names of its inputs and outputs.
 *
 * @param source the file (or a label) the model was read from, for messages
 */
public record OnnxModel(String source, long irVersion, Map<String, Long> opsets, String producerName,
                        List<OnnxNode> nodes, Map<String, OnnxTensor> initializers, List<String> inputs, List<String> outputs) {
    public OnnxModel {
        opsets = Map.copyOf(opsets);
        nodes = List.copyOf(nodes);
        initializers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** The node that writes value {@code name}, if any. */
    public Optional<OnnxNode> producer(String name) {
        for (OnnxNode n : nodes) {
            if (n.outputs().contains(name)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** The nodes that read value {@code name}, in graph order. */
    public List<OnnxNode> consumers(String name) {
        return nodes.stream().filter(n -> n.inputs().contains(name)).toList();
    }

    @Override
    public String toString() {
        return "OnnxModel[" + source + ", IR " + irVersion + ", opsets " + opsets + ", " + nodes.size() + " nodes, "
                + initializers.size() + " initializers]";
    }
}
