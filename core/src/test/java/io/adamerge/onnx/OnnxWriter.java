package io.adamerge.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes small ONNX {@code ModelProto} files for tests, field by field with protobuf's encoder (the field
 * numbers of onnx.proto3), so that the reader is tested against the wire format, not against itself.
 */
final class OnnxWriter {
    private OnnxWriter() {
    }

    /** A length-delimited message built by {@code body}. */
    interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void embedded(CodedOutputStream out, int field, byte[] message) throws IOException {
        out.writeByteArray(field, message);
    }

    /** A float32 tensor in raw_data, or in float_data (packed) when {@code typed}. */
    static byte[] floatTensor(String name, long[] dims, float[] values, boolean typed) {
        return message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, OnnxDataType.FLOAT.code());
            out.writeString(8, name);
            if (typed) {
                byte[] packed = message(o -> {
                    for (float v : values) {
                        o.writeFloatNoTag(v);
                    }
                });
                out.writeByteArray(4, packed);
            } else {
                ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    raw.putFloat(v);
                }
                out.writeBytes(9, ByteString.copyFrom(raw.array()));
            }
        });
    }

    /** An int64 tensor in raw_data, or in int64_data (one unpacked varint each) when {@code typed}. */
    static byte[] longTensor(String name, long[] dims, long[] values, boolean typed) {
        return message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, OnnxDataType.INT64.code());
            out.writeString(8, name);
            if (typed) {
                for (long v : values) {
                    out.writeInt64(7, v);
                }
            } else {
                ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (long v : values) {
                    raw.putLong(v);
                }
                out.writeBytes(9, ByteString.copyFrom(raw.array()));
            }
        });
    }

    static byte[] node(String name, String opType, List<String> inputs, List<String> outputs, byte[]... attributes) {
        return message(out -> {
            for (String i : inputs) {
                out.writeString(1, i);
            }
            for (String o : outputs) {
                out.writeString(2, o);
            }
            out.writeString(3, name);
            out.writeString(4, opType);
            for (byte[] a : attributes) {
                embedded(out, 5, a);
            }
        });
    }

    static byte[] intsAttribute(String name, long... values) {
        return message(out -> {
            out.writeString(1, name);
            out.writeInt32(20, 7);
            for (long v : values) {
                out.writeInt64(8, v);
            }
        });
    }

    static byte[] floatAttribute(String name, float value) {
        return message(out -> {
            out.writeString(1, name);
            out.writeInt32(20, 1);
            out.writeFloat(2, value);
        });
    }

    static byte[] tensorAttribute(String name, byte[] tensor) {
        return message(out -> {
            out.writeString(1, name);
            out.writeInt32(20, 4);
            embedded(out, 5, tensor);
        });
    }

    static byte[] valueInfo(String name) {
        return message(out -> out.writeString(1, name));
    }

    /** A model: ir_version, producer, opset 11, then the graph last (so that every strict prefix is incomplete). */
    static byte[] model(List<byte[]> nodes, List<byte[]> initializers, List<String> inputs, List<String> outputs) {
        byte[] graph = message(out -> {
            for (byte[] n : nodes) {
                embedded(out, 1, n);
            }
            out.writeString(2, "g");
            for (byte[] t : initializers) {
                embedded(out, 5, t);
            }
            for (String i : inputs) {
                embedded(out, 11, valueInfo(i));
            }
            for (String o : outputs) {
                embedded(out, 12, valueInfo(o));
            }
        });
        return message(out -> {
            out.writeInt64(1, 6);
            out.writeString(2, "test");
            embedded(out, 8, message(o -> {
                o.writeString(1, "");
                o.writeInt64(2, 11);
            }));
            embedded(out, 7, graph);
        });
    }

    /** A two-node model with float and int64 initializers, raw and typed, and a Constant with a tensor attribute. */
    static byte[] sample() {
        return model(
                List.of(node("/layer/MatMul", "MatMul", List.of("x", "onnx::MatMul_7"), List.of("y"), floatAttribute("alpha", 0.5f)),
                        node("/layer/Constant", "Constant", List.of(), List.of("c"),
                                tensorAttribute("value", longTensor("", new long[] {2}, new long[] {12, 32}, false))),
                        node("/layer/Reshape", "Reshape", List.of("y", "c"), List.of("z"), intsAttribute("perm", 0, 2, 1))),
                List.of(floatTensor("onnx::MatMul_7", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}, false),
                        floatTensor("bias", new long[] {3}, new float[] {-1, 0.5f, 7}, true),
                        longTensor("ids", new long[] {1, 2}, new long[] {0, 1}, true)),
                List.of("x"), List.of("z"));
    }
}
