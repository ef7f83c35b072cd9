package io.adamerge.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX model file ({@code onnx.proto}'s {@code ModelProto}) with protobuf's wire-format decoder, keeping
 * only what weight import needs: versions, the main graph's nodes with their attributes, dense initializers and
 * the graph's input and output names. Nothing is generated from {@code onnx.proto}; the field numbers below are
 * those of onnx.proto3 (IR version 3 to 10). Files are memory-mapped and tensor bytes stay views of the mapping.
 *
 * <p>Every defect of the bytes (truncation, bad lengths, wrong wire types, tensor bytes that do not match the
 * dimensions, unsupported external data) is reported as an {@link OnnxFormatException} whose message starts with
 * the file's name.
 */
public final class OnnxReader {
    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // ValueInfoProto
    private static final int VALUE_INFO_NAME = 1;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    // AttributeProto
    private static final int ATTR_NAME = 1;
    private static final int ATTR_F = 2;
    private static final int ATTR_I = 3;
    private static final int ATTR_S = 4;
    private static final int ATTR_T = 5;
    private static final int ATTR_FLOATS = 7;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    // TensorProto
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_INT32_DATA = 5;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DOUBLE_DATA = 10;
    private static final int TENSOR_DATA_LOCATION = 14;

    private final String source;

    private OnnxReader(String source) {
        this.source = source;
    }

    /** Reads {@code file}; the returned tensors are views of a read-only mapping of it. */
    public static OnnxModel read(Path file) {
        ByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new OnnxFormatException(file + ": " + size + " bytes; ONNX files over 2 GiB keep their weights"
                        + " as external data, which is not supported");
            }
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (IOException e) {
            throw new OnnxFormatException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return parse(file.toString(), mapped);
    }

    /** Parses an in-memory model; {@code source} names it in messages. */
    public static OnnxModel parse(String source, ByteBuffer bytes) {
        return new OnnxReader(source).model(bytes.slice());
    }

    /** Parses {@code bytes}; {@code source} names it in messages. */
    public static OnnxModel parse(String source, byte[] bytes) {
        return parse(source, ByteBuffer.wrap(bytes));
    }

    /** Reads a model from a stream (a classpath resource), {@code source} naming it. */
    public static OnnxModel read(String source, java.io.InputStream in) {
        try {
            return parse(source, in.readAllBytes());
        } catch (IOException e) {
            throw new OnnxFormatException(source + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private OnnxModel model(ByteBuffer bytes) {
        if (!bytes.hasRemaining()) {
            throw new OnnxFormatException(source + ": empty file, not an ONNX model");
        }
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.enableAliasing(true);
        long irVersion = -1;
        String producer = "";
        Map<String, Long> opsets = new LinkedHashMap<>();
        Graph graph = null;
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case MODEL_IR_VERSION -> irVersion = in.readInt64();
                    case MODEL_PRODUCER_NAME -> producer = string(in, tag, "producer_name");
                    case MODEL_OPSET_IMPORT -> {
                        int limit = enter(in, tag, "opset_import");
                        String domain = "";
                        long version = 0;
                        while (!in.isAtEnd()) {
                            int t = in.readTag();
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case OPSET_DOMAIN -> domain = string(in, t, "opset_import.domain");
                                case OPSET_VERSION -> version = varint(in, t, "opset_import.version");
                                default -> skip(in, t);
                            }
                        }
                        in.popLimit(limit);
                        opsets.put(domain, version);
                    }
                    case MODEL_GRAPH -> {
                        if (graph != null) {
                            throw fail("more than one graph in the model");
                        }
                        int limit = enter(in, tag, "graph");
                        graph = graph(in);
                        in.popLimit(limit);
                    }
                    default -> skip(in, tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw fail("truncated or malformed (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw fail("cannot read (" + e.getMessage() + ")", e);
        }
        if (irVersion <= 0) {
            throw fail("no ir_version: not an ONNX model");
        }
        if (graph == null) {
            throw fail("no graph: not an ONNX model");
        }
        return new OnnxModel(source, irVersion, opsets, producer, graph.nodes, graph.initializers, graph.inputs, graph.outputs);
    }

    private record Graph(List<OnnxNode> nodes, Map<String, OnnxTensor> initializers, List<String> inputs, List<String> outputs) {
    }

    private Graph graph(CodedInputStream in) throws IOException {
        List<OnnxNode> nodes = new ArrayList<>();
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case GRAPH_NODE -> {
                    int limit = enter(in, tag, "graph.node");
                    nodes.add(node(in, nodes.size()));
                    in.popLimit(limit);
                }
                case GRAPH_INITIALIZER -> {
                    int limit = enter(in, tag, "graph.initializer");
                    OnnxTensor t = tensor(in, "initializer #" + initializers.size());
                    in.popLimit(limit);
                    if (initializers.putIfAbsent(t.name(), t) != null) {
                        throw fail("initializer '" + t.name() + "' appears twice");
                    }
                }
                case GRAPH_INPUT -> inputs.add(valueInfoName(in, tag, "graph.input"));
                case GRAPH_OUTPUT -> outputs.add(valueInfoName(in, tag, "graph.output"));
                default -> skip(in, tag);
            }
        }
        return new Graph(nodes, initializers, inputs, outputs);
    }

    private String valueInfoName(CodedInputStream in, int tag, String what) throws IOException {
        int limit = enter(in, tag, what);
        String name = "";
        while (!in.isAtEnd()) {
            int t = in.readTag();
            if (WireFormat.getTagFieldNumber(t) == VALUE_INFO_NAME) {
                name = string(in, t, what + ".name");
            } else {
                skip(in, t);
            }
        }
        in.popLimit(limit);
        return name;
    }

    private OnnxNode node(CodedInputStream in, int index) throws IOException {
        String name = "";
        String opType = "";
        String domain = "";
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, OnnxAttribute> attributes = new LinkedHashMap<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case NODE_INPUT -> inputs.add(string(in, tag, "node.input"));
                case NODE_OUTPUT -> outputs.add(string(in, tag, "node.output"));
                case NODE_NAME -> name = string(in, tag, "node.name");
                case NODE_OP_TYPE -> opType = string(in, tag, "node.op_type");
                case NODE_DOMAIN -> domain = string(in, tag, "node.domain");
                case NODE_ATTRIBUTE -> {
                    int limit = enter(in, tag, "node.attribute");
                    OnnxAttribute a = attribute(in, name.isEmpty() ? "node #" + index : "node '" + name + "'");
                    in.popLimit(limit);
                    attributes.put(a.name(), a);
                }
                default -> skip(in, tag);
            }
        }
        if (opType.isEmpty()) {
            throw fail("node #" + index + (name.isEmpty() ? "" : " '" + name + "'") + " has no op_type");
        }
        return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
    }

    private OnnxAttribute attribute(CodedInputStream in, String owner) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = null;
        OnnxTensor t = null;
        List<Float> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case ATTR_NAME -> name = string(in, tag, "attribute.name");
                case ATTR_TYPE -> type = (int) varint(in, tag, "attribute.type");
                case ATTR_F -> {
                    expectWire(tag, WireFormat.WIRETYPE_FIXED32, "attribute.f");
                    f = in.readFloat();
                }
                case ATTR_I -> i = varint(in, tag, "attribute.i");
                case ATTR_S -> {
                    expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "attribute.s");
                    s = in.readByteArray();
                }
                case ATTR_T -> {
                    int limit = enter(in, tag, "attribute.t");
                    t = tensor(in, owner + " attribute '" + name + "'");
                    in.popLimit(limit);
                }
                case ATTR_FLOATS -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            floats.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        expectWire(tag, WireFormat.WIRETYPE_FIXED32, "attribute.floats");
                        floats.add(in.readFloat());
                    }
                }
                case ATTR_INTS -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            ints.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        ints.add(varint(in, tag, "attribute.ints"));
                    }
                }
                default -> skip(in, tag);
            }
        }
        float[] fs = new float[floats.size()];
        for (int k = 0; k < fs.length; k++) {
            fs[k] = floats.get(k);
        }
        long[] is = ints.stream().mapToLong(Long::longValue).toArray();
        return new OnnxAttribute(name, OnnxAttribute.kindOf(type), f, i, s, t, fs, is);
    }

    private OnnxTensor tensor(CodedInputStream in, String what) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        // typed fields, kept as little-endian bytes of the declared type
        java.io.ByteArrayOutputStream typed = null;
        boolean external = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case TENSOR_DIMS -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(varint(in, tag, what + " dims"));
                    }
                }
                case TENSOR_DATA_TYPE -> dataType = (int) varint(in, tag, what + " data_type");
                case TENSOR_NAME -> name = string(in, tag, what + " name");
                case TENSOR_RAW_DATA -> {
                    expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what + " raw_data");
                    raw = in.readByteBuffer();
                }
                case TENSOR_FLOAT_DATA, TENSOR_INT32_DATA, TENSOR_INT64_DATA, TENSOR_DOUBLE_DATA -> {
                    if (typed == null) {
                        typed = new java.io.ByteArrayOutputStream();
                    }
                    readTyped(in, tag, field, typed, what);
                }
                case TENSOR_DATA_LOCATION -> external = varint(in, tag, what + " data_location") == 1;
                default -> skip(in, tag);
            }
        }
        String label = name.isEmpty() ? what : "tensor '" + name + "'";
        if (external) {
            throw fail(label + " keeps its data in an external file, which is not supported");
        }
        OnnxDataType type = OnnxDataType.of(dataType);
        if (type == null) {
            throw fail(label + " has unsupported data_type " + dataType);
        }
        long[] shape = new long[dims.size()];
        long numel = 1;
        for (int k = 0; k < shape.length; k++) {
            shape[k] = dims.get(k);
            if (shape[k] < 0) {
                throw fail(label + " has negative dimension " + shape[k]);
            }
            try {
                numel = Math.multiplyExact(numel, shape[k]);
            } catch (ArithmeticException e) {
                numel = Long.MAX_VALUE;
            }
        }
        if (numel > Integer.MAX_VALUE / type.byteSize()) {
            throw fail(label + " has too many elements for its data " + dims);
        }
        ByteBuffer data;
        if (raw != null) {
            data = raw;
        } else if (typed != null) {
            data = ByteBuffer.wrap(typed.toByteArray());
        } else {
            data = ByteBuffer.allocate(0);
        }
        long expected = numel * type.byteSize();
        if (data.remaining() != expected) {
            throw fail(label + " (" + type + " " + dims + ") has " + data.remaining() + " data bytes, expected " + expected);
        }
        return new OnnxTensor(name, type, shape, data.order(ByteOrder.LITTLE_ENDIAN));
    }

    /** float_data (fixed32), int32_data and int64_data (varints) and double_data (fixed64), packed or not. */
    private void readTyped(CodedInputStream in, int tag, int field, java.io.ByteArrayOutputStream out, String what) throws IOException {
        boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        int limit = packed ? in.pushLimit(in.readRawVarint32()) : -1;
        ByteBuffer one = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        do {
            one.clear();
            switch (field) {
                case TENSOR_FLOAT_DATA -> {
                    if (!packed) {
                        expectWire(tag, WireFormat.WIRETYPE_FIXED32, what + " float_data");
                    }
                    one.putFloat(in.readFloat());
                }
                case TENSOR_DOUBLE_DATA -> {
                    if (!packed) {
                        expectWire(tag, WireFormat.WIRETYPE_FIXED64, what + " double_data");
                    }
                    one.putDouble(in.readDouble());
                }
                case TENSOR_INT64_DATA -> {
                    if (!packed) {
                        expectWire(tag, WireFormat.WIRETYPE_VARINT, what + " int64_data");
                    }
                    one.putLong(in.readInt64());
                }
                default -> {
                    // int32_data also carries the narrow integer types, bool and float16, one value per varint;
                    // the reader keeps 32-bit values (INT32) and rejects the rest through the size check
                    if (!packed) {
                        expectWire(tag, WireFormat.WIRETYPE_VARINT, what + " int32_data");
                    }
                    one.putInt(in.readInt32());
                }
            }
            out.write(one.array(), 0, one.position());
        } while (packed && !in.isAtEnd());
        if (packed) {
            in.popLimit(limit);
        }
    }

    /** Reads a length prefix and limits the stream to that message. */
    private int enter(CodedInputStream in, int tag, String what) throws IOException {
        expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int length = in.readRawVarint32();
        if (length < 0) {
            throw fail(what + " has negative length " + length);
        }
        return in.pushLimit(length);
    }

    private String string(CodedInputStream in, int tag, String what) throws IOException {
        expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        byte[] bytes = in.readByteArray();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not valid UTF-8");
        }
    }

    private long varint(CodedInputStream in, int tag, String what) throws IOException {
        expectWire(tag, WireFormat.WIRETYPE_VARINT, what);
        return in.readInt64();
    }

    private void expectWire(int tag, int wireType, String what) {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw fail(what + " has wire type " + WireFormat.getTagWireType(tag) + ", expected " + wireType);
        }
    }

    private void skip(CodedInputStream in, int tag) throws IOException {
        int wire = WireFormat.getTagWireType(tag);
        if (wire == WireFormat.WIRETYPE_START_GROUP || wire == WireFormat.WIRETYPE_END_GROUP || wire > 5) {
            // proto3 (and ONNX) never uses groups: a group here is corruption
            throw fail("unexpected wire type " + wire + " for field " + WireFormat.getTagFieldNumber(tag));
        }
        in.skipField(tag);
    }

    private OnnxFormatException fail(String message) {
        return new OnnxFormatException(source + ": " + message);
    }

    private OnnxFormatException fail(String message, Throwable cause) {
        return new OnnxFormatException(source + ": " + message, cause);
    }
}
