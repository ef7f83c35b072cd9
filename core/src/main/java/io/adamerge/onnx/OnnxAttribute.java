package io.adamerge.onnx;

/**
 * A node attribute. Only the value of the attribute's kind is meaningful: a float ({@code f}), an integer
 * ({@code i}), bytes ({@code s}), a tensor ({@code t}), or lists of floats or integers. Subgraphs are skipped.
 */
public record OnnxAttribute(String name, Kind kind, float f, long i, byte[] s, OnnxTensor t, float[] floats, long[] ints) {
    /** ONNX's {@code AttributeProto.AttributeType}, restricted to what the reader keeps. */
    public enum Kind { UNDEFINED, FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, OTHER }

    public OnnxAttribute {
        floats = floats == null ? new float[0] : floats;
        ints = ints == null ? new long[0] : ints;
        s = s == null ? new byte[0] : s;
    }

    static Kind kindOf(int code) {
        return switch (code) {
            case 0 -> Kind.UNDEFINED;
            case 1 -> Kind.FLOAT;
            case 2 -> Kind.INT;
            case 3 -> Kind.STRING;
            case 4 -> Kind.TENSOR;
            case 5 -> Kind.GRAPH;
            case 6 -> Kind.FLOATS;
            case 7 -> Kind.INTS;
            case 8 -> Kind.STRINGS;
            default -> Kind.OTHER;
        };
    }

    @Override
    public String toString() {
        return "OnnxAttribute[" + name + ", " + kind + "]";
    }
}
