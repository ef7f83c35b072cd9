package io.adamerge.onnx;

import java.util.List;
import java.util.Map;

/** A graph node: its name, operator, the names of the values it reads and writes, and its attributes. */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, OnnxAttribute> attributes) {
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Map.copyOf(attributes);
    }

    /** The input at {@code index}, or "" when absent (ONNX's convention for an omitted optional input). */
    public String input(int index) {
        return index < inputs.size() ? inputs.get(index) : "";
    }
}
