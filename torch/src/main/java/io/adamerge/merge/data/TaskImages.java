package io.adamerge.merge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adamerge.checkpoint.CheckpointException;
import io.adamerge.checkpoint.SafetensorsFile;
import io.adamerge.checkpoint.TensorInfo;
import io.adamerge.data.DataException;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.read.ImageFolderReader;
import io.adamerge.model.Examples;
import io.adamerge.model.PixelBatch;
import io.adamerge.model.VitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unlabelled, already preprocessed images of one task, [count, channels, height, width] float32: what
 * data-driven merges (AdaMerging, Fisher, RegMean) see of a task. Labels, where a file has them, are ignored.
 *
 * @param source where the images came from, for messages
 */
public record TaskImages(String source, int count, int channels, int height, int width, float[] pixels) implements Examples {
    /** The tensor read from safetensors files (the data module's split files also hold {@code labels}). */
    public static final String PIXELS = "pixel_values";

    public TaskImages {
        if (count <= 0) {
            throw new IllegalArgumentException(source + ": no images");
        }
        if ((long) count * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(source + ": " + pixels.length + " values for " + count + " images of "
                    + channels + "x" + height + "x" + width);
        }
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** The images at {@code indices}, in that order, as an NDArray on {@code manager}. */
    public NDArray batch(NDManager manager, int[] indices) {
        int size = imageSize();
        float[] out = new float[indices.length * size];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= count) {
                throw new IndexOutOfBoundsException(source + ": image " + indices[i] + " of " + count);
            }
            System.arraycopy(pixels, indices[i] * size, out, i * size, size);
        }
        return manager.create(out, new Shape(indices.length, channels, height, width));
    }

    @Override
    public PixelBatch select(int[] indices, NDManager manager) {
        return new PixelBatch(batch(manager, indices));
    }

    /** The first {@code n} images (all of them when there are fewer). */
    public TaskImages first(int n) {
        if (n >= count) {
            return this;
        }
        return new TaskImages(source, n, channels, height, width, Arrays.copyOf(pixels, n * imageSize()));
    }

    /** Fails with a message naming the source unless the images fit a tower of {@code config}. */
    public TaskImages checkFits(VitConfig config) {
        if (channels != config.numChannels() || height != config.imageSize() || width != config.imageSize()) {
            throw new DataException(source + ": images are " + channels + "x" + height + "x" + width + " but the model takes "
                    + config.numChannels() + "x" + config.imageSize() + "x" + config.imageSize());
        }
        return this;
    }

    /**
     * Reads a task's images: a safetensors file with {@code pixel_values} [N, C, H, W] (any float dtype), or a
     * folder of PNG/JPEG images (an ImageFolder with one sub-folder per class, or images directly inside),
     * decoded to the tower's input size and channels with values in [0, 1] as the data module prepares them.
     */
    public static TaskImages load(Path path, VitConfig config) {
        if (Files.isDirectory(path)) {
            return readFolder(path, config);
        }
        if (!Files.isRegularFile(path)) {
            throw new DataException(path, "no such file or folder");
        }
        return readSafetensors(path).checkFits(config);
    }

    /** Reads {@code pixel_values} from a safetensors file. */
    public static TaskImages readSafetensors(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!f.has(PIXELS)) {
                throw new DataException(file, "no tensor '" + PIXELS + "' [N, C, H, W]; found "
                        + f.tensors().stream().map(TensorInfo::name).toList());
            }
            TensorInfo info = f.info(PIXELS);
            long[] s = info.shape();
            if (s.length != 4 || !info.dtype().isFloating()) {
                throw new DataException(file, "'" + PIXELS + "' is " + info.dtype() + " " + info.shapeString()
                        + ", expected a float tensor [N, C, H, W]");
            }
            if (info.numel() > Integer.MAX_VALUE - 8) {
                throw new DataException(file, "'" + PIXELS + "' is too large to hold in memory (" + info.numel() + " values)");
            }
            float[] pixels = f.readFloats(PIXELS);
            int bad = io.adamerge.io.Finite.firstNonFinite(pixels);
            if (bad >= 0) {
                long perImage = s[1] * s[2] * s[3];
                throw new DataException(file, "tensor '" + PIXELS + "' holds " + pixels[bad] + " in image " + bad / perImage
                        + " (element " + bad + ")");
            }
            return new TaskImages(file.toString(), (int) s[0], (int) s[1], (int) s[2], (int) s[3], pixels);
        } catch (CheckpointException e) {
            throw new DataException(file, e.getMessage(), e);
        }
    }

    private static TaskImages readFolder(Path dir, VitConfig config) {
        ImageSpec spec = new ImageSpec(config.numChannels(), config.imageSize(), config.imageSize());
        List<Path> files = new ArrayList<>();
        boolean hasSubfolders;
        try (var s = Files.list(dir)) {
            hasSubfolders = s.anyMatch(Files::isDirectory);
        } catch (java.io.IOException e) {
            throw new DataException(dir, "cannot list (" + e.getMessage() + ")", e);
        }
        if (hasSubfolders) {
            ImageFolderReader.scan(dir).values().forEach(files::addAll);
        } else {
            files.addAll(ImageFolderReader.imagesUnder(dir));
        }
        int size = spec.pixels();
        float[] pixels = new float[files.size() * size];
        for (int i = 0; i < files.size(); i++) {
            // white background for transparent pixels, as the data module composites its pictures
            float[] img = ImageFolderReader.decode(files.get(i), spec, 1f);
            System.arraycopy(img, 0, pixels, i * size, size);
        }
        return new TaskImages(dir.toString(), files.size(), spec.channels(), spec.height(), spec.width(), pixels);
    }
}
