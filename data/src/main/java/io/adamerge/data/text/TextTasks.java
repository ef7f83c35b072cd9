package io.adamerge.data.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.data.DataException;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.FortunePackages;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.SourceData;
import io.adamerge.data.task.Split;
import io.adamerge.data.task.TaskRole;
import io.adamerge.data.fetch.DataFetcher;
import io.adamerge.data.text.read.BrownReader;
import io.adamerge.data.text.read.DebianPackagesReader;
import io.adamerge.data.text.read.DictdReader;
import io.adamerge.data.text.read.FoldocReader;
import io.adamerge.data.text.read.FortuneReader;
import io.adamerge.data.text.read.GcideReader;
import io.adamerge.data.text.read.JaneAustenReader;
import io.adamerge.data.text.read.KjvReader;
import io.adamerge.data.text.read.SpamAssassinReader;
import io.adamerge.data.text.read.TextFiles;
import io.adamerge.data.text.read.WordNetReader;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The text benchmark's tasks (issue #11): eight for the zoo and the merges, two held out. Each is read from its
 * packaged source, cleaned, split by group with a seed ({@link TextSplitter}) and capped at
 * {@value #TRAIN} / {@value #VALIDATION} / {@value #TEST} texts so that every task costs about the same. Built
 * splits are cached as JSON under the data directory's {@code tasks/text/} folder.
 */
public final class TextTasks {
    public static final long DEFAULT_SEED = 0;
    /** Bump when a reader or the splitter changes what it produces, so that cached splits are rebuilt. */
    static final int BUILD_VERSION = 1;

    public static final int TRAIN = 2000;
    public static final int VALIDATION = 500;
    public static final int TEST = 500;

    private static final List<TextTask> CATALOG = List.of(
            task("wordnet", "WordNet 3.0 noun supersense (lexicographer file) of a synset's gloss, the 10 largest of 26; "
                            + "one example per synset", TaskRole.BENCHMARK, Set.of(Source.WORDNET),
                    List.of("artifact", "person", "plant", "animal", "act", "communication", "state", "location",
                            "attribute", "substance"),
                    List.of("the definition of a man-made object", "the definition of a kind of person",
                            "the definition of a plant", "the definition of an animal",
                            "the definition of an action or activity", "the definition of a form of communication",
                            "the definition of a state or condition", "the definition of a place",
                            "the definition of a property or quality", "the definition of a substance or material")),
            task("gcide", "domain label of a Webster 1913 (GCIDE) sense, such as (Zool.) or (Law), the 8 largest; "
                            + "split by headword", TaskRole.BENCHMARK, Set.of(Source.GCIDE),
                    List.of("Zool", "Bot", "Chem", "Med", "Anat", "Naut", "Law", "Min"),
                    List.of("a dictionary definition from zoology", "a dictionary definition from botany",
                            "a dictionary definition from chemistry", "a dictionary definition from medicine",
                            "a dictionary definition from anatomy", "a dictionary definition from seafaring",
                            "a dictionary definition from law", "a dictionary definition from mineralogy")),
            task("debian", "Debian archive Section of a package from its short and long description, 8 topical sections; "
                            + "split by source package", TaskRole.BENCHMARK, Set.of(Source.DEBIAN_ARCHIVE),
                    List.of("games", "science", "sound", "graphics", "net", "mail", "math", "fonts"),
                    List.of("a description of a computer game", "a description of scientific software",
                            "a description of audio and music software", "a description of graphics and image software",
                            "a description of networking software", "a description of e-mail software",
                            "a description of mathematics software", "a description of a font")),
            task("brown", "Brown corpus genre group of a 3-sentence passage (15 categories in 6 groups); split by document",
                    TaskRole.BENCHMARK, Set.of(Source.BROWN),
                    List.of("press", "essays", "hobbies-lore", "government-learned", "general-fiction", "genre-fiction"),
                    List.of("a passage from a newspaper article, editorial or review",
                            "a passage from an essay on religion, art or ideas",
                            "a passage from a magazine about hobbies, skills or popular lore",
                            "a passage from a government document or a scientific paper",
                            "a passage from literary or humorous fiction",
                            "a passage from a mystery, adventure, western, romance or science fiction story")),
            task("kjv", "King James Bible section of a verse (8 sections of the 66 books); split by chapter",
                    TaskRole.BENCHMARK, Set.of(Source.KJV), List.copyOf(KjvReader.SECTIONS.keySet()),
                    List.of("a verse from the books of the law of Moses", "a verse from the historical books of Israel",
                            "a verse from the psalms, proverbs or wisdom books",
                            "a verse from the major prophets Isaiah, Jeremiah, Ezekiel or Daniel",
                            "a verse from the minor prophets", "a verse from the gospels or the Acts of the apostles",
                            "a verse from the letters of Paul to the churches",
                            "a verse from the general epistles or the Revelation")),
            task("austen", "which of Jane Austen's six novels a passage (paragraphs of 40+ words) is from; split by chapter",
                    TaskRole.BENCHMARK, Set.of(Source.AUSTEN),
                    List.of("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice", "sensesensibility"),
                    List.of("a passage from Emma", "a passage from Mansfield Park", "a passage from Northanger Abbey",
                            "a passage from Persuasion", "a passage from Pride and Prejudice",
                            "a passage from Sense and Sensibility")),
            task("fortunes", "language of a fortune cookie (8 Debian fortunes packages, the label is the package's "
                            + "language); entries split individually after removing duplicates", TaskRole.BENCHMARK,
                    Set.of(Source.FORTUNES),
                    List.of("en", "de", "es", "it", "pl", "cs", "pt", "eo"),
                    List.of("a quotation in English", "a quotation in German", "a quotation in Spanish",
                            "a quotation in Italian", "a quotation in Polish", "a quotation in Czech",
                            "a quotation in Portuguese", "a quotation in Esperanto")),
            task("spam", "SpamAssassin public corpus, spam or ham (subject and first text part); split by message checksum",
                    TaskRole.BENCHMARK, Set.of(Source.SPAM_ASSASSIN), List.of("ham", "spam"),
                    List.of("an ordinary personal or mailing-list e-mail", "an unsolicited advertising e-mail")),
            task("wordnet-verbs", "held out: WordNet 3.0 verb supersense of a synset's gloss, the 8 largest of 15",
                    TaskRole.HELD_OUT, Set.of(Source.WORDNET),
                    List.of("change", "contact", "communication", "motion", "social", "possession", "stative", "cognition"),
                    List.of("the definition of a verb of change", "the definition of a verb of touching or handling",
                            "the definition of a verb of communicating", "the definition of a verb of motion",
                            "the definition of a verb of social activity", "the definition of a verb of owning or transfer",
                            "the definition of a verb of being or having", "the definition of a verb of thinking")),
            task("foldoc", "held out: FOLDOC computing-dictionary domain of an entry (its first <domain>), the 8 largest",
                    TaskRole.HELD_OUT, Set.of(Source.FOLDOC),
                    List.of("language", "networking", "programming", "jargon", "operating system", "company", "hardware",
                            "communications"),
                    List.of("a definition of a programming language", "a definition of a networking term",
                            "a definition of a programming term", "a definition of hacker jargon",
                            "a definition of an operating system term", "a description of a computer company",
                            "a definition of a computer hardware term", "a definition of a telecommunications term")));

    private static TextTask task(String name, String description, TaskRole role, Set<Source> sources, List<String> classes,
                                 List<String> classDescriptions) {
        return new TextTask(name, description, role, sources, classes, classDescriptions, TRAIN, VALIDATION, TEST);
    }

    private final DataDirectory dir;
    private final long seed;
    private final boolean cache;

    /** Tasks over {@code dir}, split by {@code seed}, cached on disk. */
    public TextTasks(DataDirectory dir, long seed) {
        this(dir, seed, true);
    }

    public TextTasks(DataDirectory dir, long seed, boolean cache) {
        this.dir = dir;
        this.seed = seed;
        this.cache = cache;
    }

    public long seed() {
        return seed;
    }

    /** Every text task, benchmark first. */
    public static List<TextTask> catalog() {
        return CATALOG;
    }

    public static List<TextTask> withRole(TaskRole role) {
        return CATALOG.stream().filter(t -> t.role() == role).toList();
    }

    /** The eight benchmark tasks. */
    public static List<TextTask> benchmark() {
        return withRole(TaskRole.BENCHMARK);
    }

    /** The tasks held out of the eight, for the unseen-task study. */
    public static List<TextTask> heldOut() {
        return withRole(TaskRole.HELD_OUT);
    }

    /** The task named {@code name}, or a {@link DataException} listing the known ones. */
    public static TextTask info(String name) {
        return CATALOG.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new DataException("unknown text task '" + name + "'; known: "
                        + CATALOG.stream().map(TextTask::name).toList()));
    }

    /** The sources {@code tasks} need. */
    public static Set<Source> sourcesOf(List<TextTask> tasks) {
        Set<Source> s = EnumSet.noneOf(Source.class);
        tasks.forEach(t -> s.addAll(t.sources()));
        return s;
    }

    /** The splits of task {@code name}: from the cache when built before, else built (and cached). */
    public TextTaskSplits load(String name) {
        TextTask task = info(name);
        Path cached = dir.taskCache().resolve("text").resolve(name + "-seed" + seed + "-v" + BUILD_VERSION + ".json");
        if (cache && Files.isRegularFile(cached)) {
            return readCache(task, cached);
        }
        List<TextSplitter.Item> items = TextSplitter.prepare(corpus(task), task.classNames());
        Map<Split, List<TextSplitter.Item>> parts = TextSplitter.split(items, task.numClasses(),
                new int[] {task.trainTarget(), task.validationTarget(), task.testTarget()}, seed, name);
        TextTaskSplits splits = new TextTaskSplits(task, seed, dataset(parts.get(Split.TRAIN), task),
                dataset(parts.get(Split.VALIDATION), task), dataset(parts.get(Split.TEST), task));
        if (cache) {
            writeCache(splits, cached);
        }
        return splits;
    }

    /** Every labelled text of the task's sources, before cleaning and splitting. */
    public List<TextExample> corpus(TextTask task) {
        SourceData sources = new SourceData(dir);
        return switch (task.name()) {
            case "fortunes" -> {
                Path root = sources.folder(Source.FORTUNES);
                List<TextExample> all = new ArrayList<>();
                FortunePackages.LANGUAGE.forEach((pkg, lang) -> all.addAll(FortuneReader.readPackage(root.resolve(pkg), lang)));
                yield all;
            }
            case "wordnet", "wordnet-verbs" -> {
                Path f = sources.folder(Source.WORDNET).resolve(task.name().equals("wordnet") ? "data.noun" : "data.verb");
                yield WordNetReader.examples(f, TextFiles.read(f));
            }
            case "gcide", "foldoc" -> {
                Source src = task.name().equals("gcide") ? Source.GCIDE : Source.FOLDOC;
                Path folder = sources.folder(src);
                Path index = folder.resolve(task.name() + ".index");
                Path data = folder.resolve(task.name() + ".dict.dz");
                List<DictdReader.Entry> entries = DictdReader.entries(index, TextFiles.read(index), data, TextFiles.read(data));
                yield src == Source.GCIDE ? GcideReader.senses(entries) : FoldocReader.definitions(entries);
            }
            case "debian" -> {
                Path folder = sources.folder(Source.DEBIAN_ARCHIVE);
                List<DebianPackagesReader.IndexFile> packages = new ArrayList<>();
                List<DebianPackagesReader.IndexFile> translations = new ArrayList<>();
                for (Path f : list(folder)) {
                    String n = f.getFileName().toString();
                    // a package listed by several suites (bookworm, -security, -updates) counts once: the first list's copy
                    if (n.endsWith("_Packages.gz")) {
                        packages.add(new DebianPackagesReader.IndexFile(f, TextFiles.gunzip(f, TextFiles.read(f))));
                    } else if (n.endsWith("_Translation-en.gz")) {
                        translations.add(new DebianPackagesReader.IndexFile(f, TextFiles.gunzip(f, TextFiles.read(f))));
                    }
                }
                yield DebianPackagesReader.read(packages, translations);
            }
            case "brown" -> {
                Path folder = sources.folder(Source.BROWN);
                Path cats = folder.resolve("cats.txt");
                List<TextExample> all = new ArrayList<>();
                for (Map.Entry<String, String> e : BrownReader.categories(cats, TextFiles.read(cats)).entrySet()) {
                    Path doc = folder.resolve(e.getKey());
                    all.addAll(BrownReader.chunks(e.getKey(), e.getValue(), BrownReader.sentences(doc, TextFiles.read(doc))));
                }
                yield all;
            }
            case "kjv" -> {
                Path f = sources.folder(Source.KJV).resolve(DataFetcher.KJV_TEXT);
                yield KjvReader.verses(f, TextFiles.read(f));
            }
            case "austen" -> {
                Path folder = sources.folder(Source.AUSTEN);
                Path rdx = folder.resolve("Rdata.rdx");
                Path rdb = folder.resolve("Rdata.rdb");
                List<TextExample> all = new ArrayList<>();
                JaneAustenReader.novels(rdx, TextFiles.read(rdx), rdb, TextFiles.read(rdb))
                        .forEach((novel, lines) -> all.addAll(JaneAustenReader.passages(novel, lines)));
                yield all;
            }
            case "spam" -> {
                Path folder = sources.folder(Source.SPAM_ASSASSIN).resolve("data");
                List<TextExample> all = new ArrayList<>();
                for (Path group : list(folder)) {
                    if (Files.isDirectory(group)) {
                        for (Path f : list(group)) {
                            all.add(SpamAssassinReader.read(f, TextFiles.read(f)));
                        }
                    }
                }
                yield all;
            }
            default -> throw new DataException("text task '" + task.name() + "' has no builder");
        };
    }

    private static List<Path> list(Path folder) {
        try (var s = Files.list(folder)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new DataException(folder, "cannot list (" + e.getMessage() + ")", e);
        }
    }

    private static TextDataset dataset(List<TextSplitter.Item> items, TextTask task) {
        return new TextDataset(items.stream().map(TextSplitter.Item::text).toList(),
                items.stream().mapToInt(TextSplitter.Item::label).toArray(), task.classNames());
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Writes {@code s} as {@code dir/{train,validation,test}.jsonl} (one {@code {"text": ..., "label": k}} object a
     * line) and {@code dir/task.json} (name, seed, classes, class descriptions); each file via a temporary file and
     * a rename, so a reader never sees half a file.
     */
    public static void write(TextTaskSplits s, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Split split : Split.values()) {
                StringBuilder sb = new StringBuilder();
                TextDataset d = s.get(split);
                for (int i = 0; i < d.size(); i++) {
                    ObjectNode line = JSON.createObjectNode();
                    line.put("text", d.text(i));
                    line.put("label", d.label(i));
                    sb.append(JSON.writeValueAsString(line)).append('\n');
                }
                writeAtomically(dir.resolve(split.label() + ".jsonl"), sb.toString());
            }
            ObjectNode meta = JSON.createObjectNode();
            meta.put("task", s.task().name());
            meta.put("seed", s.seed());
            meta.put("description", s.task().description());
            s.task().classNames().forEach(meta.putArray("classes")::add);
            s.task().classDescriptions().forEach(meta.putArray("class_descriptions")::add);
            writeAtomically(dir.resolve("task.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta));
        } catch (IOException e) {
            throw new DataException(dir, "cannot write the task's splits (" + e.getMessage() + ")", e);
        }
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeCache(TextTaskSplits s, Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", s.task().name());
        root.put("seed", s.seed());
        root.put("version", BUILD_VERSION);
        ArrayNode classes = root.putArray("classes");
        s.task().classNames().forEach(classes::add);
        for (Split split : Split.values()) {
            ObjectNode node = root.putObject(split.label());
            ArrayNode texts = node.putArray("texts");
            ArrayNode labels = node.putArray("labels");
            TextDataset d = s.get(split);
            for (int i = 0; i < d.size(); i++) {
                texts.add(d.text(i));
                labels.add(d.label(i));
            }
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".tmp-" + s.task().name(), ".json");
            try {
                JSON.writeValue(tmp.toFile(), root);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new DataException(file, "cannot write the split cache (" + e.getMessage() + ")", e);
        }
    }

    private static TextTaskSplits readCache(TextTask task, Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<String> classes = new ArrayList<>();
            root.path("classes").forEach(c -> classes.add(c.asText()));
            if (!classes.equals(task.classNames())) {
                throw new DataException(file, "cached classes " + classes + " differ from the task's " + task.classNames()
                        + "; delete the file to rebuild");
            }
            TextDataset[] ds = new TextDataset[3];
            for (Split split : Split.values()) {
                JsonNode node = root.path(split.label());
                List<String> texts = new ArrayList<>();
                node.path("texts").forEach(t -> texts.add(t.asText()));
                int[] labels = new int[node.path("labels").size()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = node.path("labels").get(i).asInt();
                }
                ds[split.ordinal()] = new TextDataset(texts, labels, classes);
            }
            return new TextTaskSplits(task, root.path("seed").asLong(), ds[0], ds[1], ds[2]);
        } catch (IOException | IllegalArgumentException e) {
            throw new DataException(file, "unreadable split cache (" + e.getMessage() + "); delete it to rebuild", e);
        }
    }
}
