package io.adamerge.cli;

import io.adamerge.io.Finite;
import io.adamerge.io.Inputs;
import io.adamerge.io.OutputTarget;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.FloatTensor;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.SafetensorsWriter;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.model.ClipImageProcessor;
import io.adamerge.model.ClipVisionModel;
import io.adamerge.model.TorchRuntime;
import io.adamerge.model.VisionOutput;
import io.adamerge.model.VitConfig;
import io.adamerge.model.bert.BertModel;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adamerge embed}: CLIP image embeddings of preprocessed pixels or a folder of images; BERT sentence embeddings of texts. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Run a CLIP vision tower (Hugging Face or open_clip layout) and write image_embeds and pooled as safetensors.",
                "Input is a safetensors file with pixel_values [N,3,H,W] (already preprocessed) or a folder of images"
                        + " (resized, centre-cropped and normalised as CLIP does).",
                "For a BERT directory (config.json model_type \"bert\", as 'adamerge import' writes) the input is a UTF-8 text file,"
                        + " one text per line (empty lines included), and the output is sentence_embedding [N, hidden] exactly as"
                        + " sentence-transformers computes it: tokenised and truncated to max_seq_length, mean or CLS pooling,"
                        + " L2-normalised."})
public final class EmbedCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint: safetensors file, sharded index.json or Hugging Face directory (CLIP vision, or BERT as 'adamerge import' writes).")
    Path model;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Hugging Face CLIPVisionConfig/CLIPConfig JSON (heads, eps, activation); default: the directory's config.json,"
                    + " else width/64 heads, eps 1e-5, quick_gelu.")
    Path config;

    @Option(names = "--input", required = true, paramLabel = "FILE|DIR", description = "pixel_values safetensors file or image folder; for a BERT model, a text file (one text per line).")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output safetensors file.")
    Path out;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Images or texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--force", description = "Replace an existing --out (never an input).")
    boolean force;

    @Spec
    CommandSpec spec;

    /** Where the images come from: N preprocessed images, fetched a batch at a time. */
    private interface Source {
        int count();

        /** Pixel values of images [from, from + n), channel-major. */
        float[] read(int from, int n);

        Map<String, String> metadata();
    }

    @Override
    public Integer call() {
        if (batch <= 0) {
            throw new IllegalArgumentException("--batch must be positive, got " + batch);
        }
        // the output policy, before any work: never an input, nothing replaced without --force
        OutputTarget target = OutputTarget.check("--out", out, OutputTarget.Kind.FILE, force,
                Inputs.of().add("--model", model).add("--input", input).add("--config", config));
        return run(target);
    }

    private int run(OutputTarget target) {
        if (BertModel.isBertDirectory(model)) {
            return embedTexts(target);
        }
        try (NDManager manager = TorchRuntime.newManager()) {
            ClipVisionModel.Loaded loaded = ClipVisionModel.load(model, config, manager);
            VitConfig c = loaded.model().config();
            SafetensorsFile pixelFile = Files.isDirectory(input) ? null : SafetensorsFile.open(input);
            try {
                Source source = pixelFile == null ? imageFolder(c) : pixelValues(pixelFile, c);
                int n = source.count();
                float[] pooled = new float[n * c.hiddenSize()];
                float[] embeds = c.hasProjection() ? new float[n * c.projectionDim()] : null;
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("embed").setInitialMax(n).setUnit(" img", 1)
                        .setStyle(ProgressBarStyle.ASCII).build()) {
                    for (int from = 0; from < n; from += batch) {
                        int size = Math.min(batch, n - from);
                        try (NDManager step = manager.newSubManager()) {
                            float[] batchPixels = source.read(from, size);
                            int bad = Finite.firstNonFinite(batchPixels);
                            if (bad >= 0) {
                                int perImage = c.numChannels() * c.imageSize() * c.imageSize();
                                throw new CheckpointException(input + ": pixel_values holds " + batchPixels[bad] + " in image "
                                        + (from + bad / perImage));
                            }
                            NDArray pixels = step.create(batchPixels,
                                    new Shape(size, c.numChannels(), c.imageSize(), c.imageSize()));
                            VisionOutput o = loaded.model().forward(loaded.weights(), pixels);
                            System.arraycopy(o.pooled().toFloatArray(), 0, pooled, from * c.hiddenSize(), size * c.hiddenSize());
                            if (embeds != null) {
                                System.arraycopy(o.imageEmbeds().toFloatArray(), 0, embeds, from * c.projectionDim(), size * c.projectionDim());
                            }
                        }
                        bar.stepBy(size);
                    }
                }
                Map<String, FloatTensor> tensors = new LinkedHashMap<>();
                if (embeds != null) {
                    tensors.put("image_embeds", FloatTensor.of(embeds, n, c.projectionDim()));
                }
                tensors.put("pooled", FloatTensor.of(pooled, n, c.hiddenSize()));
                Map<String, String> metadata = new LinkedHashMap<>(source.metadata());
                metadata.put("model", model.toString());
                metadata.put("layout", loaded.model().layout().name());
                for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
                    Finite.require(e.getValue().data(), "the embedding output '" + e.getKey() + "' of " + model);
                }
                if (target.replaces()) {
                    spec.commandLine().getOut().println(target.replacementNote());
                }
                SafetensorsWriter.write(target, tensors, metadata);
                spec.commandLine().getOut().printf("embedded %d images with %s (%s layout): %s%s -> %s%n", n, model,
                        loaded.model().layout(), embeds != null ? "image_embeds [" + n + ", " + c.projectionDim() + "], " : "",
                        "pooled [" + n + ", " + c.hiddenSize() + "]", out);
                return 0;
            } finally {
                if (pixelFile != null) {
                    pixelFile.close();
                }
            }
        }
    }

    /** Sentence embeddings of a text file with a BERT directory. */
    private int embedTexts(OutputTarget target) {
        if (config != null) {
            throw new IllegalArgumentException("--config is for CLIP towers; a BERT directory is described by its own config.json");
        }
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException(input + ": not a file (a BERT model embeds a text file, one text per line)");
        }
        List<String> texts;
        try {
            texts = Files.readAllLines(input, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(input + ": not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException(input + ": cannot read (" + e.getMessage() + ")");
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(input + ": no lines to embed");
        }
        try (NDManager manager = TorchRuntime.newManager(); BertModel bert = BertModel.load(model, manager)) {
            int n = texts.size();
            int dim = bert.config().hiddenSize();
            float[] embeddings = new float[n * dim];
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("embed").setInitialMax(n).setUnit(" texts", 1)
                    .setStyle(ProgressBarStyle.ASCII).build()) {
                for (int from = 0; from < n; from += batch) {
                    int size = Math.min(batch, n - from);
                    try (NDManager step = manager.newSubManager()) {
                        float[] e = bert.embed(texts.subList(from, from + size), step).toFloatArray();
                        System.arraycopy(e, 0, embeddings, from * dim, size * dim);
                    }
                    bar.stepBy(size);
                }
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("model", model.toString());
            metadata.put("input", input.toString());
            metadata.put("pooling", bert.pooling().name().toLowerCase(Locale.ROOT));
            metadata.put("max_seq_length", Integer.toString(bert.tokenizer().maxSeqLength()));
            metadata.put("normalized", Boolean.toString(bert.normalize()));
            Finite.require(embeddings, "the sentence embeddings of " + model);
            SafetensorsWriter.write(target, Map.of("sentence_embedding", FloatTensor.of(embeddings, n, dim)), metadata);
            spec.commandLine().getOut().printf("embedded %d texts with %s (BERT, %s pooling): sentence_embedding [%d, %d] -> %s%n", n, model,
                    metadata.get("pooling"), n, dim, out);
            return 0;
        }
    }

    private Source pixelValues(SafetensorsFile file, VitConfig c) {
        if (!file.has("pixel_values")) {
            throw new CheckpointException(input + ": no tensor 'pixel_values' (expected [N, " + c.numChannels() + ", "
                    + c.imageSize() + ", " + c.imageSize() + "]); found " + file.tensors().stream().map(TensorInfo::name).toList());
        }
        TensorInfo t = file.info("pixel_values");
        long[] s = t.shape();
        if (s.length != 4 || s[1] != c.numChannels() || s[2] != c.imageSize() || s[3] != c.imageSize() || !t.dtype().isFloating()) {
            throw new CheckpointException(input + ": pixel_values is " + t.dtype() + " " + Arrays.toString(s) + ", the model needs float [N, "
                    + c.numChannels() + ", " + c.imageSize() + ", " + c.imageSize() + "]");
        }
        int perImage = c.numChannels() * c.imageSize() * c.imageSize();
        return new Source() {
            @Override
            public int count() {
                return Math.toIntExact(s[0]);
            }

            @Override
            public float[] read(int from, int n) {
                float[] buf = new float[n * perImage];
                file.readFloats("pixel_values", (long) from * perImage, buf, 0, buf.length);
                return buf;
            }

            @Override
            public Map<String, String> metadata() {
                return Map.of("input", input.toString());
            }
        };
    }

    private Source imageFolder(VitConfig c) {
        if (c.numChannels() != 3) {
            throw new IllegalArgumentException("image folders need a 3-channel model; this one takes " + c.numChannels());
        }
        List<Path> images = ClipImageProcessor.listImages(input);
        if (images.isEmpty()) {
            throw new CheckpointException(input + ": no images (" + String.join(", ", ClipImageProcessor.EXTENSIONS.stream().sorted().toList()) + ")");
        }
        ClipImageProcessor processor = ClipImageProcessor.forImageSize(c.imageSize());
        int perImage = 3 * c.imageSize() * c.imageSize();
        return new Source() {
            @Override
            public int count() {
                return images.size();
            }

            @Override
            public float[] read(int from, int n) {
                float[] buf = new float[n * perImage];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(processor.load(images.get(from + i)), 0, buf, i * perImage, perImage);
                }
                return buf;
            }

            @Override
            public Map<String, String> metadata() {
                try {
                    return Map.of("input", input.toString(),
                            "images", JSON.writeValueAsString(images.stream().map(p -> p.getFileName().toString()).toList()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
