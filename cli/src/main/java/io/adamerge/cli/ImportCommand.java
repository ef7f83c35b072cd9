package io.adamerge.cli;

import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import io.adamerge.onnx.BertImportWriter;
import io.adamerge.onnx.BertOnnxImport;
import io.adamerge.onnx.BuiltinBert;
import io.adamerge.onnx.OnnxFormatException;
import io.adamerge.onnx.OnnxModel;
import io.adamerge.onnx.OnnxReader;
import io.adamerge.onnx.SentencePooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge import}: a BERT encoder in ONNX → a Hugging Face BertModel / sentence-transformers directory. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Convert a BERT encoder exported to ONNX (Linear weights as transposed onnx::MatMul_N initializers, named by"
                + " their MatMul node) into a Hugging Face BertModel directory: model.safetensors ([out, in] Linear weights),"
                + " config.json inferred from the weights and the graph, tokenizer.json, and sentence-transformers' modules.json,"
                + " sentence_bert_config.json and 1_Pooling/config.json.",
                "--builtin reads a model shipped in a Maven jar on the classpath: all-minilm-l6-v2 (mean pooling, 256 tokens)"
                        + " or bge-small-en-v1.5 (CLS pooling, 512 tokens)."})
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--onnx", paramLabel = "FILE", description = "ONNX model file.")
        Path onnx;

        @Option(names = "--builtin", paramLabel = "NAME", description = "A model shipped on the classpath: ${COMPLETION-CANDIDATES}.",
                completionCandidates = BuiltinNames.class)
        String builtin;
    }

    static final class BuiltinNames extends ArrayList<String> {
        BuiltinNames() {
            super(BuiltinBert.ids());
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json to copy (with --onnx; default: a tokenizer.json beside the ONNX file or in its parent folder,"
                    + " as Hugging Face repositories with an onnx/ folder keep it).")
    Path tokenizer;

    @Option(names = "--pooling", paramLabel = "MODE",
            description = "Sentence pooling written to 1_Pooling/config.json: mean or cls (default: the builtin's, else mean).")
    String pooling;

    @Option(names = "--max-seq-length", paramLabel = "N",
            description = "Tokens per text before truncation, written to sentence_bert_config.json"
                    + " (default: the builtin's, else the position embeddings' count).")
    Integer maxSeqLength;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output model directory (replaced atomically).")
    Path out;

    /** tokenizer.json next to the ONNX file or one folder up; the model directory must be usable on its own. */
    private static Path besideOnnx(Path onnx) {
        Path folder = onnx.toAbsolutePath().getParent();
        for (Path candidate : new Path[] {folder.resolve("tokenizer.json"), folder.getParent() == null ? null : folder.getParent().resolve("tokenizer.json")}) {
            if (candidate != null && Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("no tokenizer.json beside " + onnx + " or in its parent folder: pass --tokenizer FILE");
    }

    @Option(names = "--force", description = "Replace an existing --out folder (never an input).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        return run();
    }

    private int run() throws IOException {
        // the output policy, before the model is read: an existing folder only with --force, never an input
        OutputTarget.check("--out", out, OutputTarget.Kind.DIRECTORY, force,
                Inputs.of().add("--onnx", source.onnx).add("--tokenizer", tokenizer));
        BuiltinBert builtin = source.builtin == null ? null : BuiltinBert.parse(source.builtin);
        List<Path> inputs = new ArrayList<>();
        OnnxModel model;
        byte[] tokenizerJson;
        if (builtin != null) {
            if (tokenizer != null) {
                throw new IllegalArgumentException("--tokenizer is for --onnx; a builtin model brings its own");
            }
            model = builtin.readOnnx();
            tokenizerJson = builtin.tokenizerJson();
        } else {
            if (!Files.isRegularFile(source.onnx)) {
                throw new OnnxFormatException(source.onnx + ": no such file");
            }
            if (tokenizer == null) {
                tokenizer = besideOnnx(source.onnx);
            }
            if (!Files.isRegularFile(tokenizer)) {
                throw new IllegalArgumentException(tokenizer + ": no such file");
            }
            inputs.add(source.onnx);
            inputs.add(tokenizer);
            model = OnnxReader.read(source.onnx);
            tokenizerJson = Files.readAllBytes(tokenizer);
        }
        BertOnnxImport.Result bert = BertOnnxImport.convert(model);
        SentencePooling mode = pooling != null ? SentencePooling.parse(pooling)
                : builtin != null ? builtin.pooling() : SentencePooling.MEAN;
        int maxLength = maxSeqLength != null ? maxSeqLength
                : builtin != null ? builtin.maxSeqLength() : bert.config().get("max_position_embeddings").asInt();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("source", builtin != null ? builtin.artifact() : source.onnx.getFileName().toString());
        BertImportWriter.write(bert, out, tokenizerJson, mode, maxLength, metadata, inputs);
        long params = bert.tensors().values().stream().mapToLong(t -> t.data().length).sum();
        spec.commandLine().getOut().printf("imported %s: BERT, %d layers, hidden %d, %d heads, %d parameters, %s pooling, %d tokens -> %s%n",
                builtin != null ? builtin.id() : source.onnx, bert.config().get("num_hidden_layers").asInt(), bert.hiddenSize(),
                bert.config().get("num_attention_heads").asInt(), params, mode.name().toLowerCase(java.util.Locale.ROOT), maxLength, out);
        return 0;
    }
}
