package io.adamerge.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file: tensor entries in file order and the
 * {@code __metadata__} map. Every defect is reported as a {@link CheckpointException} naming the
 * source and the tensor; no other exception escapes {@link #parse}.
 */
public record SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata) {

    /** The format's own bound on header size (the reference implementation refuses larger ones). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            // a tensor named twice would silently be the last one
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    /**
     * Parses a header.
     *
     * @param source     file name used in messages
     * @param headerJson the header bytes (UTF-8 JSON, possibly space-padded)
     * @param dataLength the length of the data section that follows the header
     */
    /**
     * The header text; malformed UTF-8 is refused rather than replaced (two names differing only in invalid bytes
     * would otherwise both decode to {@code x\uFFFD} and be taken as one tensor).
     */
    static String strictUtf8(String source, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            int at = firstMalformed(bytes);
            throw new CheckpointException(source + ": header is not valid UTF-8 (malformed bytes at header offset " + at + ")");
        }
    }

    private static int firstMalformed(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        return r.isError() ? in.position() : -1;
    }

    public static SafetensorsHeader parse(String source, byte[] headerJson, long dataLength) {
        String text = strictUtf8(source, headerJson);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException | RuntimeException e) {
            throw new CheckpointException(source + ": header is not valid JSON (" + firstLine(e) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(source + ": header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw new CheckpointException(source + ": __metadata__ is not an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> m = it.next();
                    if (!m.getValue().isTextual()) {
                        throw new CheckpointException(source + ": __metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                }
                continue;
            }
            tensors.add(parseEntry(source, name, node, dataLength));
        }
        checkLayout(source, tensors, dataLength);
        return new SafetensorsHeader(Collections.unmodifiableList(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(String source, String name, JsonNode node, long dataLength) {
        String where = source + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CheckpointException(where + ": entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(where + ": missing dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw new CheckpointException(where + ": unknown dtype '" + dtypeNode.asText() + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new CheckpointException(where + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new CheckpointException(where + ": shape entry " + d + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw new CheckpointException(where + ": shape " + shapeNode + " overflows");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new CheckpointException(where + ": data_offsets must be [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] are invalid");
        }
        if (end > dataLength) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end
                    + "] out of bounds (data section holds " + dataLength + " bytes)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + shapeNode + " overflows");
        }
        if (expected != end - begin) {
            throw new CheckpointException(where + ": shape " + shapeNode + " x " + dtype + " needs " + expected
                    + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Tensors must tile the data section: no overlap, no hole, nothing after the last one. */
    private static void checkLayout(String source, List<TensorInfo> tensors, long dataLength) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < cursor) {
                throw new CheckpointException(source + ": tensor '" + t.name() + "' overlaps tensor '"
                        + previous.name() + "' (offsets " + t.begin() + " < " + cursor + ")");
            }
            if (t.begin() > cursor) {
                throw new CheckpointException(source + ": tensors do not cover the data: bytes " + cursor + ".."
                        + t.begin() + " before tensor '" + t.name() + "' belong to no tensor");
            }
            cursor = t.end();
            previous = t;
        }
        if (cursor != dataLength) {
            throw new CheckpointException(source + ": tensors do not cover the data: " + (dataLength - cursor)
                    + " trailing bytes after offset " + cursor + " belong to no tensor");
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
