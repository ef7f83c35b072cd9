package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.data.DataException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A CLIP vision tower whose weights are named in one {@link ClipLayout}: the first {@link Encoder}. {@link #forward}
 * takes weights in that layout (converted to the canonical names on the fly with differentiable views), so
 * coefficients can be learnt on merges computed in either layout. It takes {@link PixelBatch}es. Its linear layers
 * ({@link ObservableLinears}): q/k/v projections read the first layer norm's output, the attention output projection
 * the attention context, fc1 the second layer norm's output, fc2 the activation, the visual projection the pooled
 * class token, and the patch embedding, a stride-p convolution, is exactly a linear layer over flattened patches.
 */
public final class ClipVisionModel implements ObservableLinears {
    private final VitConfig config;
    private final WeightLayout<VitConfig> layout;
    private final ClipVisionTower tower;

    public ClipVisionModel(VitConfig config, WeightLayout<VitConfig> layout) {
        this.config = config;
        this.layout = layout;
        this.tower = new ClipVisionTower(config);
    }

    /** A checkpoint's vision tower: its shape, and its float weights on the manager they were loaded to. */
    public record Loaded(ClipVisionModel model, Map<String, NDArray> weights) {
    }

    @Override
    public ModelFamily family() {
        return ClipVisionFamily.INSTANCE;
    }

    @Override
    public VitConfig config() {
        return config;
    }

    @Override
    public WeightLayout<VitConfig> layout() {
        return layout;
    }

    @Override
    public Map<String, long[]> parameterShapes() {
        return layout.shapes(config);
    }

    /**
     * The tower's outputs for {@code pixelValues}; outputs are attached to the manager of {@code pixelValues},
     * intermediates are released before returning.
     */
    public VisionOutput forward(Map<String, NDArray> weights, NDArray pixelValues) {
        try (NDManager views = pixelValues.getManager().newSubManager()) {
            return tower.forward(layout.toCanonical(weights, config, views), pixelValues);
        }
    }

    @Override
    public long activationBytes(Batch batch) {
        return Encoder.transformerActivationBytes(batch.size(), config.numPositions(), config.numLayers(), config.hiddenSize(),
                config.intermediateSize(), config.numHeads());
    }

    @Override
    public NDArray embed(Map<String, NDArray> weights, Batch batch) {
        return forward(weights, pixels(batch)).embeddings();
    }

    @Override
    public Batch concat(List<Batch> batches, NDManager into) {
        NDList parts = new NDList();
        batches.forEach(b -> parts.add(pixels(b)));
        NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        all.attach(into);
        return new PixelBatch(all);
    }

    @Override
    public List<ObservableLinears.Layer> linearLayers(boolean inputEmbeddingAsLinear) {
        List<ObservableLinears.Layer> out = new java.util.ArrayList<>();
        if (inputEmbeddingAsLinear) {
            out.add(new ObservableLinears.Layer(ClipKeys.PATCH_EMBEDDING, ClipVisionTower.LinearInputObserver.PATCHES));
        }
        for (int i = 0; i < config.numLayers(); i++) {
            String ln1 = ClipVisionTower.LinearInputObserver.site(i, "ln1");
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.Q_WEIGHT), ln1));
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.K_WEIGHT), ln1));
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.V_WEIGHT), ln1));
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.OUT_WEIGHT), ClipVisionTower.LinearInputObserver.site(i, "context")));
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.FC1_WEIGHT), ClipVisionTower.LinearInputObserver.site(i, "ln2")));
            out.add(new ObservableLinears.Layer(ClipKeys.layer(i, ClipKeys.FC2_WEIGHT), ClipVisionTower.LinearInputObserver.site(i, "activation")));
        }
        if (config.hasProjection()) {
            out.add(new ObservableLinears.Layer(ClipKeys.PROJECTION, ClipVisionTower.LinearInputObserver.POOLED));
        }
        return out;
    }

    @Override
    public Map<String, NDArray> toCanonical(Map<String, NDArray> weights, NDManager scratch) {
        return layout == ClipLayout.HUGGING_FACE ? weights : layout.toCanonical(weights, config, scratch);
    }

    @Override
    public Map<String, NDArray> fromCanonical(Map<String, NDArray> canonical, NDManager into) {
        return layout == ClipLayout.HUGGING_FACE ? canonical : layout.fromCanonical(canonical, config, into);
    }

    /** The tower's own forward pass with its observer hook; the outputs are dropped with {@code batch}'s manager. */
    @Override
    public void observe(Map<String, NDArray> canonical, Batch batch, ObservableLinears.Observer observer) {
        tower.forward(canonical, pixels(batch), observer::input);
    }

    /** Per image: every image has the same number of rows at a site. */
    @Override
    public GramAverage gramAverage() {
        return GramAverage.PER_EXAMPLE;
    }

    @Override
    public void checkFits(Examples examples) {
        try (NDManager probe = TorchRuntime.newManager()) {
            long[] s = pixels(examples.select(new int[] {0}, probe)).getShape().getShape();
            if (s[1] != config.numChannels() || s[2] != config.imageSize() || s[3] != config.imageSize()) {
                throw new DataException(examples.source() + ": images are " + s[1] + "x" + s[2] + "x" + s[3]
                        + " but the model takes " + config.numChannels() + "x" + config.imageSize() + "x" + config.imageSize());
            }
        }
    }

    private static NDArray pixels(Batch batch) {
        if (batch instanceof PixelBatch p) {
            return p.pixelValues();
        }
        throw new IllegalArgumentException("a CLIP vision tower takes images, got " + batch.getClass().getSimpleName());
    }

    @Override
    public void validate(Map<String, NDArray> weights) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        weights.forEach((k, v) -> shapes.put(k, v.getShape().getShape()));
        checkShapes(shapes, "weights");
    }

    private void checkShapes(Map<String, long[]> actual, String source) {
        Map<String, long[]> expected = parameterShapes();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] got = actual.get(e.getKey());
            if (got == null) {
                throw new CheckpointException(source + ": missing tensor '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(got, e.getValue())) {
                throw new CheckpointException(source + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(got)
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(actual.keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(source + ": tensors a plain CLIP vision transformer does not have: " + unexpected
                    + " (variants such as attention pooling are not supported)");
        }
    }

    /**
     * Loads the vision tower of a checkpoint (a safetensors file, a sharded index or a Hugging Face directory;
     * other towers in it, such as CLIP's text tower, are ignored).
     *
     * @param configFile a Hugging Face {@code CLIPVisionConfig}/{@code CLIPConfig} JSON, or null to use the
     *                   directory's {@code config.json} if any; shapes always come from the tensors, while head
     *                   count, layer-norm eps and activation come from the config (defaults: width/64, 1e-5, quick_gelu)
     */
    public static Loaded load(Path checkpointPath, Path configFile, NDManager manager) {
        return load(checkpointPath, null, configFile, manager);
    }

    /**
     * As {@link #load(Path, Path, NDManager)}; {@code checkpointPath} may also be a PEFT LoRA adapter folder, read over
     * {@code base} (its weights are the base's with {@code scale·B·A} added to the adapted matrices).
     */
    public static Loaded load(Path checkpointPath, Path base, Path configFile, NDManager manager) {
        try (Checkpoint checkpoint = io.adamerge.taskvector.ModelSet.openModel(checkpointPath, base)) {
            String source = checkpoint.source().toString();
            ClipLayout layout = ClipVisionFamily.INSTANCE.detect(checkpoint.names(), source);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (TensorInfo t : checkpoint.tensors()) {
                if (t.dtype().isFloating() && layout.owns(t.name())) {
                    shapes.put(t.name(), t.shape());
                }
            }
            Path configPath = configFile != null ? configFile : checkpoint.configJson().orElse(null);
            JsonNode vision = configPath == null ? null : VitConfig.readVisionSection(configPath);
            VitConfig config = infer(layout, shapes, vision, configPath == null ? source : configPath.toString());
            ClipVisionModel model = new ClipVisionModel(config, layout);
            model.checkShapes(shapes, source);
            return new Loaded(model, WeightIO.loadFloatTensors(checkpoint, manager, shapes::containsKey));
        }
    }

    /**
     * Loads a checkpoint that must hold the same tower as {@code like} (layout and config): the towers of one merge.
     *
     * @param likeName what {@code like} is, for the message (e.g. "the base")
     * @throws CheckpointException naming the checkpoint and both towers when they differ
     */
    public static Loaded loadMatching(Path checkpointPath, Path configFile, ClipVisionModel like, String likeName,
                                      NDManager manager) {
        return loadMatching(checkpointPath, null, configFile, like, likeName, manager);
    }

    /** As {@link #loadMatching(Path, Path, ClipVisionModel, String, NDManager)}, accepting a LoRA adapter over {@code base}. */
    public static Loaded loadMatching(Path checkpointPath, Path base, Path configFile, ClipVisionModel like, String likeName,
                                      NDManager manager) {
        Loaded loaded = load(checkpointPath, base, configFile, manager);
        if (loaded.model().layout() != like.layout() || !loaded.model().config().equals(like.config())) {
            loaded.weights().values().forEach(NDArray::close);
            throw new CheckpointException(checkpointPath + ": a " + loaded.model().layout() + " tower " + loaded.model().config()
                    + ", but " + likeName + " is a " + like.layout() + " tower " + like.config());
        }
        return loaded;
    }

    /**
     * The config of a tower from its tensor shapes; {@code vision} (may be null) supplies what shapes cannot tell
     * (heads, eps, activation) and must agree with them on everything else.
     */
    public static VitConfig infer(ClipLayout layout, Map<String, long[]> stored, JsonNode vision, String configSource) {
        Map<String, long[]> shapes = layout.canonicalShapes(stored);
        long[] patch = shape(shapes, ClipKeys.PATCH_EMBEDDING, 4);
        long[] positions = shape(shapes, ClipKeys.POSITION_EMBEDDING, 2);
        int hidden = (int) patch[0];
        int channels = (int) patch[1];
        int patchSize = (int) patch[2];
        if (patch[3] != patch[2]) {
            throw new CheckpointException("patch embedding " + Arrays.toString(patch) + " is not square");
        }
        int grid = (int) Math.round(Math.sqrt(positions[0] - 1));
        if ((long) grid * grid + 1 != positions[0]) {
            throw new CheckpointException("position embedding has " + positions[0] + " rows, not 1 + a square number of patches");
        }
        int layers = 0;
        while (shapes.containsKey(ClipKeys.layer(layers, ClipKeys.FC1_WEIGHT))) {
            layers++;
        }
        if (layers == 0) {
            throw new CheckpointException("no transformer layers found");
        }
        int intermediate = (int) shape(shapes, ClipKeys.layer(0, ClipKeys.FC1_WEIGHT), 2)[0];
        long[] proj = shapes.get(ClipKeys.PROJECTION);
        int projection = proj == null ? 0 : (int) proj[0];

        int heads;
        double eps = 1e-5;
        HiddenAct act = HiddenAct.QUICK_GELU;
        if (vision != null) {
            agree(vision, "hidden_size", hidden, configSource);
            agree(vision, "patch_size", patchSize, configSource);
            agree(vision, "image_size", grid * patchSize, configSource);
            agree(vision, "num_hidden_layers", layers, configSource);
            agree(vision, "intermediate_size", intermediate, configSource);
            agree(vision, "num_channels", channels, configSource);
            if (proj != null) {
                agree(vision, "projection_dim", projection, configSource);
            }
            eps = vision.path("layer_norm_eps").asDouble(eps);
            if (vision.hasNonNull("hidden_act")) {
                act = HiddenAct.parse(vision.get("hidden_act").asText());
            }
        }
        if (vision != null && vision.hasNonNull("num_attention_heads")) {
            heads = vision.get("num_attention_heads").asInt();
        } else if (hidden % 64 == 0) {
            heads = hidden / 64;
        } else {
            throw new CheckpointException("width " + hidden + " is not a multiple of 64: give the head count with a config"
                    + " (num_attention_heads)");
        }
        try {
            return new VitConfig(grid * patchSize, patchSize, channels, hidden, layers, heads, intermediate, projection, eps, act);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configSource + ": " + e.getMessage(), e);
        }
    }

    private static long[] shape(Map<String, long[]> shapes, String name, int rank) {
        long[] s = shapes.get(name);
        if (s == null) {
            throw new CheckpointException("missing tensor '" + name + "'");
        }
        if (s.length != rank) {
            throw new CheckpointException("tensor '" + name + "' has shape " + Arrays.toString(s) + ", expected rank " + rank);
        }
        return s;
    }

    private static void agree(JsonNode vision, String field, int fromTensors, String configSource) {
        JsonNode v = vision.get(field);
        if (v != null && !v.isNull() && v.asInt() != fromTensors) {
            throw new CheckpointException(configSource + ": " + field + " is " + v.asInt() + " but the weights say " + fromTensors);
        }
    }
}
