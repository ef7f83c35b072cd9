package io.adamerge.data.read;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageOps;
import io.adamerge.data.ImageSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the ImageFolder layout {@code root/<class>/<image>.png|jpg|jpeg}: classes are the sub-folders in name
 * order, images are found at any depth below their class folder. Transparent pixels are composited over a
 * background colour and each picture is centred on a square before resizing, so aspect ratios are kept.
 */
public final class ImageFolderReader {
    private ImageFolderReader() {
    }

    /** True for the file names this reader decodes. */
    public static boolean isImage(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** The class folders of {@code root} and their image files, both sorted by name. */
    public static Map<String, List<Path>> scan(Path root) {
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (NoSuchFileException e) {
            throw new DataException(root, "no such folder");
        } catch (NotDirectoryException e) {
            throw new DataException(root, "not a folder (an ImageFolder root holds one folder per class)");
        } catch (IOException e) {
            throw new DataException(root, "cannot list (" + e.getMessage() + ")", e);
        }
        if (classDirs.isEmpty()) {
            throw new DataException(root, "no class folders (expected root/<class>/<image>.png|jpg)");
        }
        Map<String, List<Path>> classes = new LinkedHashMap<>();
        for (Path dir : classDirs) {
            classes.put(dir.getFileName().toString(), imagesUnder(dir));
        }
        return classes;
    }

    /** The image files below {@code dir}, sorted; an error when there are none. */
    public static List<Path> imagesUnder(Path dir) {
        List<Path> images;
        try (Stream<Path> s = Files.walk(dir)) {
            images = s.filter(Files::isRegularFile).filter(ImageFolderReader::isImage).sorted().toList();
        } catch (IOException e) {
            throw new DataException(dir, "cannot list (" + e.getMessage() + ")", e);
        }
        if (images.isEmpty()) {
            throw new DataException(dir, "class folder holds no .png/.jpg/.jpeg image");
        }
        return images;
    }

    /** Reads {@code root} as an ImageFolder, every image brought to {@code spec}. */
    public static ImageDataset read(String name, Path root, ImageSpec spec, float background) {
        return read(name, scan(root), spec, background);
    }

    /** Reads the given class → files map, in its iteration order, every image brought to {@code spec}. */
    public static ImageDataset read(String name, Map<String, List<Path>> classes, ImageSpec spec, float background) {
        int total = classes.values().stream().mapToInt(List::size).sum();
        float[] pixels = new float[total * spec.pixels()];
        int[] labels = new int[total];
        List<String> classNames = new ArrayList<>(classes.keySet());
        int i = 0;
        int label = 0;
        for (List<Path> files : classes.values()) {
            for (Path f : files) {
                float[] img = decode(f, spec, background);
                System.arraycopy(img, 0, pixels, i * spec.pixels(), img.length);
                labels[i++] = label;
            }
            label++;
        }
        return new ImageDataset(name, spec, pixels, labels, classNames);
    }

    /**
     * Decodes one PNG/JPEG into a [C, H, W] image of {@code spec}. Pictures much larger than the target are
     * decoded with pixel subsampling (to at most 4× the target side) before the antialiased resize, which
     * bounds memory and time on poster-sized clipart.
     */
    public static float[] decode(Path file, ImageSpec spec, float background) {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new DataException(file, "cannot open image");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DataException(file, "not a readable PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int side = Math.max(reader.getWidth(0), reader.getHeight(0));
                int step = Math.max(1, side / (4 * Math.max(spec.height(), spec.width())));
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(step, step, 0, 0);
                image = reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (NoSuchFileException e) {
            throw new DataException(file, "no such file");
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException d) {
                throw d;
            }
            // ImageIO reports some corrupt files with unchecked exceptions
            throw new DataException(file, "cannot decode image (" + e + ")", e);
        }
        float[] rgb = ImageOps.squareRgb(image, background);
        int side = Math.max(image.getHeight(), image.getWidth());
        return ImageOps.convert(rgb, 0, new ImageSpec(3, side, side), spec);
    }
}
