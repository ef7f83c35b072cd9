package io.adamerge.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxReaderTest {
    @Test
    void readsNodesAttributesAndInitializersAsWritten() {
        OnnxModel m = OnnxReader.parse("sample.onnx", OnnxWriter.sample());
        assertThat(m.irVersion()).isEqualTo(6);
        assertThat(m.opsets()).containsEntry("", 11L);
        assertThat(m.producerName()).isEqualTo("test");
        assertThat(m.inputs()).containsExactly("x");
        assertThat(m.outputs()).containsExactly("z");
        assertThat(m.nodes()).extracting(OnnxNode::opType).containsExactly("MatMul", "Constant", "Reshape");
        OnnxNode matMul = m.nodes().get(0);
        assertThat(matMul.name()).isEqualTo("/layer/MatMul");
        assertThat(matMul.inputs()).containsExactly("x", "onnx::MatMul_7");
        assertThat(matMul.attributes().get("alpha").f()).isEqualTo(0.5f);
        assertThat(m.nodes().get(1).attributes().get("value").t().longs()).containsExactly(12, 32);
        assertThat(m.nodes().get(2).attributes().get("perm").ints()).containsExactly(0, 2, 1);
        assertThat(m.initializers().keySet()).containsExactly("onnx::MatMul_7", "bias", "ids");
        OnnxTensor w = m.initializers().get("onnx::MatMul_7");
        assertThat(w.dims()).containsExactly(2, 3);
        assertThat(w.floats()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(m.initializers().get("bias").floats()).containsExactly(-1, 0.5f, 7);
        assertThat(m.initializers().get("ids").longs()).containsExactly(0, 1);
        assertThat(m.producer("y")).contains(matMul);
        assertThat(m.consumers("y")).extracting(OnnxNode::name).containsExactly("/layer/Reshape");
    }

    @Test
    void everyTruncationIsAnErrorNamingTheFile() {
        byte[] whole = OnnxWriter.sample();
        for (int length = 0; length < whole.length; length++) {
            byte[] prefix = Arrays.copyOf(whole, length);
            assertThatThrownBy(() -> OnnxReader.parse("cut.onnx", prefix))
                    .as("prefix of %d bytes", length)
                    .isInstanceOf(OnnxFormatException.class)
                    .hasMessageStartingWith("cut.onnx: ");
        }
    }

    @Test
    void tensorBytesMustMatchTheDimensions() {
        byte[] model = OnnxWriter.model(List.of(), List.of(OnnxWriter.floatTensor("w", new long[] {2, 2}, new float[] {1, 2, 3}, false)),
                List.of(), List.of());
        assertThatThrownBy(() -> OnnxReader.parse("bad.onnx", model))
                .isInstanceOf(OnnxFormatException.class)
                .hasMessage("bad.onnx: tensor 'w' (FLOAT [2, 2]) has 12 data bytes, expected 16");
    }

    @Test
    void notAnOnnxFile() {
        assertThatThrownBy(() -> OnnxReader.parse("x.onnx", "{\"json\": true}".getBytes()))
                .isInstanceOf(OnnxFormatException.class).hasMessageStartingWith("x.onnx: ");
        assertThatThrownBy(() -> OnnxReader.parse("e.onnx", new byte[0]))
                .isInstanceOf(OnnxFormatException.class).hasMessage("e.onnx: empty file, not an ONNX model");
    }
}
