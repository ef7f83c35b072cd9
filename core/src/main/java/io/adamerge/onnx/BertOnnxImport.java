package io.adamerge.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a BERT encoder exported to ONNX by PyTorch (as Hugging Face Optimum and the sentence-transformers
 * exports do) into Hugging Face {@code BertModel} weights and a {@code config.json}.
 *
 * <p>The exporter keeps the Hugging Face names of biases, LayerNorms and embeddings, but folds every Linear
 * weight into its MatMul as a transposed ({@code [in, out]}) initializer named {@code onnx::MatMul_N}. The name
 * of the MatMul node that reads such an initializer is the module path ({@code
 * /encoder/layer.3/attention/self/query/MatMul} → {@code encoder.layer.3.attention.self.query.weight}), so weights
 * are named by their consumer, never by N, and transposed back to PyTorch's {@code [out, in]}. The
 * configuration comes from the weights' shapes and from the graph: the head count from the constant tail of the
 * attention's Reshape target ([batch, length, heads, head_size]), the LayerNorm epsilon from the constant added
 * to the variance (or a LayerNormalization node's attribute), the activation from the Erf of exact GELU.
 */
public final class BertOnnxImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    private static final String WORD = "embeddings.word_embeddings.weight";
    private static final String POSITION = "embeddings.position_embeddings.weight";
    private static final String TOKEN_TYPE = "embeddings.token_type_embeddings.weight";
    /** Per-layer tensor suffixes in Hugging Face's state-dict order. */
    private static final List<String> LAYER_TENSORS = List.of(
            "attention.self.query.weight", "attention.self.query.bias",
            "attention.self.key.weight", "attention.self.key.bias",
            "attention.self.value.weight", "attention.self.value.bias",
            "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
            "intermediate.dense.weight", "intermediate.dense.bias",
            "output.dense.weight", "output.dense.bias",
            "output.LayerNorm.weight", "output.LayerNorm.bias");

    /** The converted model: tensors in Hugging Face order with their names, and the inferred config. */
    public record Result(Map<String, FloatTensor> tensors, ObjectNode config) {
        public int hiddenSize() {
            return config.get("hidden_size").asInt();
        }
    }

    private final OnnxModel model;

    private BertOnnxImport(OnnxModel model) {
        this.model = model;
    }

    /**
     * Converts {@code model}.
     *
     * @throws OnnxFormatException naming the file and what is missing when the graph is not a BERT encoder
     */
    public static Result convert(OnnxModel model) {
        return new BertOnnxImport(model).convert();
    }

    private Result convert() {
        Map<String, FloatTensor> named = new LinkedHashMap<>();
        for (OnnxTensor t : model.initializers().values()) {
            if (t.dataType() != OnnxDataType.FLOAT) {
                continue; // embeddings.position_ids (int64) is a buffer, not a weight
            }
            if (t.name().startsWith("onnx::") || !t.name().contains(".")) {
                String name = linearWeightName(t);
                put(named, name, transpose(t));
            } else {
                put(named, t.name(), new FloatTensor(t.dims(), t.floats()));
            }
        }
        FloatTensor word = require(named, WORD);
        FloatTensor position = require(named, POSITION);
        long vocab = word.shape()[0];
        long hidden = word.shape()[1];
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : named.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (layers.isEmpty()) {
            throw fail("no encoder.layer.* weights: not a BERT encoder");
        }
        int numLayers = layers.last() + 1;
        if (layers.size() != numLayers) {
            throw fail("encoder layers are not numbered 0.." + (numLayers - 1) + ": found " + layers);
        }
        Map<String, FloatTensor> ordered = new LinkedHashMap<>();
        for (String e : List.of(WORD, POSITION, TOKEN_TYPE, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")) {
            ordered.put(e, require(named, e));
        }
        for (int i = 0; i < numLayers; i++) {
            for (String suffix : LAYER_TENSORS) {
                String name = "encoder.layer." + i + "." + suffix;
                ordered.put(name, require(named, name));
            }
        }
        for (String pooler : List.of("pooler.dense.weight", "pooler.dense.bias")) {
            if (named.containsKey(pooler)) {
                ordered.put(pooler, named.get(pooler));
            }
        }
        List<String> unused = new ArrayList<>(named.keySet());
        unused.removeAll(ordered.keySet());
        if (!unused.isEmpty()) {
            throw fail("weights that a BertModel does not have: " + unused);
        }
        long intermediate = ordered.get("encoder.layer.0.intermediate.dense.weight").shape()[0];
        checkShapes(ordered, hidden, intermediate, numLayers);
        int heads = attentionHeads(hidden);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("BertModel");
        config.put("model_type", "bert");
        config.put("attention_probs_dropout_prob", 0.1);
        config.put("hidden_act", activation());
        config.put("hidden_dropout_prob", 0.1);
        config.put("hidden_size", hidden);
        config.put("initializer_range", 0.02);
        config.put("intermediate_size", intermediate);
        config.put("layer_norm_eps", layerNormEps());
        config.put("max_position_embeddings", position.shape()[0]);
        config.put("num_attention_heads", heads);
        config.put("num_hidden_layers", numLayers);
        config.put("pad_token_id", 0);
        config.put("position_embedding_type", "absolute");
        config.put("torch_dtype", "float32");
        config.put("type_vocab_size", ordered.get(TOKEN_TYPE).shape()[0]);
        config.put("vocab_size", vocab);
        return new Result(ordered, config);
    }

    private void put(Map<String, FloatTensor> named, String name, FloatTensor t) {
        if (named.putIfAbsent(name, t) != null) {
            throw fail("two initializers map to '" + name + "'");
        }
    }

    /** The Hugging Face name of a MatMul weight: its consumer's module path + ".weight". */
    private String linearWeightName(OnnxTensor t) {
        List<OnnxNode> readers = model.consumers(t.name());
        if (readers.size() != 1 || !readers.get(0).opType().equals("MatMul") || !readers.get(0).input(1).equals(t.name())
                || t.dims().length != 2) {
            throw fail("initializer '" + t.name() + "' " + Arrays.toString(t.dims()) + " is not the weight of exactly one MatMul"
                    + " (read by " + readers.stream().map(n -> n.opType() + " '" + n.name() + "'").toList() + "); cannot name it");
        }
        String node = readers.get(0).name();
        if (!node.startsWith("/") || !node.endsWith("/MatMul")) {
            throw fail("MatMul node '" + node + "' reading '" + t.name() + "' is not named after a module (/path/to/module/MatMul)");
        }
        return node.substring(1, node.length() - "/MatMul".length()).replace('/', '.') + ".weight";
    }

    /** [in, out] → [out, in]. */
    private static FloatTensor transpose(OnnxTensor t) {
        long[] d = t.dims();
        int in = Math.toIntExact(d[0]);
        int out = Math.toIntExact(d[1]);
        float[] src = t.floats();
        float[] dst = new float[src.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                dst[o * in + i] = src[i * out + o];
            }
        }
        return new FloatTensor(new long[] {out, in}, dst);
    }

    private FloatTensor require(Map<String, FloatTensor> named, String name) {
        FloatTensor t = named.get(name);
        if (t == null) {
            throw fail("no weight '" + name + "': not a BERT encoder exported with Hugging Face names");
        }
        return t;
    }

    private void checkShapes(Map<String, FloatTensor> w, long hidden, long intermediate, int layers) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put(POSITION, new long[] {w.get(POSITION).shape()[0], hidden});
        expected.put(TOKEN_TYPE, new long[] {w.get(TOKEN_TYPE).shape()[0], hidden});
        expected.put("embeddings.LayerNorm.weight", new long[] {hidden});
        expected.put("embeddings.LayerNorm.bias", new long[] {hidden});
        for (int i = 0; i < layers; i++) {
            String p = "encoder.layer." + i + ".";
            for (String s : LAYER_TENSORS) {
                boolean weight = s.endsWith(".weight") && !s.contains("LayerNorm");
                long out = s.startsWith("intermediate") ? intermediate : hidden;
                long in = s.startsWith("output.dense") ? intermediate : hidden;
                expected.put(p + s, weight ? new long[] {out, in} : new long[] {out});
            }
        }
        expected.forEach((name, shape) -> {
            if (!Arrays.equals(w.get(name).shape(), shape)) {
                throw fail("weight '" + name + "' has shape " + Arrays.toString(w.get(name).shape()) + ", expected "
                        + Arrays.toString(shape) + " for hidden size " + hidden + ", intermediate size " + intermediate);
            }
        });
    }

    /**
     * The number of heads: the Reshape that splits layer 0's query, key or value into heads has a target whose last
     * two entries are constants [heads, head_size] (a Concat of Unsqueezed Gathers and Constants, or one constant).
     */
    private int attentionHeads(long hidden) {
        for (OnnxNode n : model.nodes()) {
            if (!n.opType().equals("Reshape") || !n.name().startsWith("/encoder/layer.0/attention/self/")) {
                continue;
            }
            List<Long> target = constantList(n.input(1));
            if (target.size() == 4 && target.get(2) != null && target.get(3) != null
                    && target.get(2) > 0 && target.get(2) * target.get(3) == hidden) {
                return Math.toIntExact(target.get(2));
            }
        }
        throw fail("cannot find the number of attention heads: no Reshape under /encoder/layer.0/attention/self/ with a"
                + " constant [heads, head_size] target whose product is the hidden size " + hidden);
    }

    /** The entries of a 1-D int64 value as far as they are constants (null where computed at run time). */
    private List<Long> constantList(String value) {
        Optional<long[]> direct = constantLongs(value);
        if (direct.isPresent()) {
            return Arrays.stream(direct.get()).boxed().toList();
        }
        OnnxNode producer = model.producer(value).orElse(null);
        if (producer == null || !producer.opType().equals("Concat")) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        for (String part : producer.inputs()) {
            Optional<long[]> c = constantLongs(part);
            if (c.isPresent()) {
                Arrays.stream(c.get()).forEach(out::add);
            } else {
                out.add(null); // a run-time dimension (Unsqueeze of a Gather of a Shape): one entry
            }
        }
        return out;
    }

    private Optional<long[]> constantLongs(String value) {
        OnnxTensor t = constant(value);
        if (t == null || (t.dataType() != OnnxDataType.INT64 && t.dataType() != OnnxDataType.INT32) || t.dims().length > 1) {
            return Optional.empty();
        }
        return Optional.of(t.longs());
    }

    /** The tensor of an initializer or a Constant node's {@code value}, or null. */
    private OnnxTensor constant(String value) {
        OnnxTensor init = model.initializers().get(value);
        if (init != null) {
            return init;
        }
        OnnxNode producer = model.producer(value).orElse(null);
        if (producer != null && producer.opType().equals("Constant")) {
            OnnxAttribute a = producer.attributes().get("value");
            return a == null ? null : a.t();
        }
        return null;
    }

    /**
     * The embeddings LayerNorm's epsilon: a LayerNormalization node's attribute, or in the decomposed form the scalar
     * constant added to the variance ({@code ReduceMean} → {@code Add(eps)} → {@code Sqrt}). All LayerNorms must agree.
     */
    private double layerNormEps() {
        TreeSet<Float> found = new TreeSet<>();
        for (OnnxNode n : model.nodes()) {
            if (n.opType().equals("LayerNormalization")) {
                OnnxAttribute eps = n.attributes().get("epsilon");
                found.add(eps == null ? 1e-5f : eps.f()); // the operator's default
            } else if (n.opType().equals("Add") && n.name().contains("LayerNorm/")) {
                for (int k = 0; k < 2; k++) {
                    OnnxNode other = model.producer(n.input(1 - k)).orElse(null);
                    OnnxTensor c = constant(n.input(k));
                    if (other != null && other.opType().equals("ReduceMean") && c != null && c.dataType() == OnnxDataType.FLOAT
                            && c.numel() == 1 && !n.outputs().isEmpty()
                            && model.consumers(n.outputs().get(0)).stream().anyMatch(s -> s.opType().equals("Sqrt"))) {
                        found.add(c.floats()[0]);
                    }
                }
            }
        }
        if (found.isEmpty()) {
            throw fail("cannot find the LayerNorm epsilon: no LayerNormalization node and no constant added to a variance");
        }
        if (found.size() > 1) {
            throw fail("the LayerNorms use different epsilons " + found + "; a BertModel has one");
        }
        // the float32 constant as the decimal Hugging Face writes (1e-12, not 9.99999996e-13)
        return Double.parseDouble(Float.toString(found.first()));
    }

    /** "gelu" (exact, erf) when the intermediate activation contains Erf; other activations are not recognised. */
    private String activation() {
        boolean erf = false;
        boolean tanh = false;
        for (OnnxNode n : model.nodes()) {
            if (n.name().contains("/intermediate/")) {
                erf |= n.opType().equals("Erf");
                tanh |= n.opType().equals("Tanh");
            }
        }
        if (erf && !tanh) {
            return "gelu";
        }
        throw fail("cannot recognise the intermediate activation (expected exact GELU: an Erf under /encoder/layer.*/intermediate/)");
    }

    private OnnxFormatException fail(String message) {
        return new OnnxFormatException(model.source() + ": " + message);
    }
}
