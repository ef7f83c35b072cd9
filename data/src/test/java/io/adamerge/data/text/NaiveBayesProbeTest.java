package io.adamerge.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.data.TestData;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class NaiveBayesProbeTest {
    @Test
    void learnsAWordThatDecidesTheClass() {
        TextDataset train = new TextDataset(List.of("red apple sweet", "red cherry small", "blue sky wide", "blue sea deep"),
                new int[] {0, 0, 1, 1}, List.of("red", "blue"));
        NaiveBayesProbe nb = NaiveBayesProbe.train(train);
        assertThat(nb.predict("a red thing")).isZero();
        assertThat(nb.predict("the blue one")).isEqualTo(1);
        assertThat(nb.accuracy(train)).isEqualTo(1.0);
    }

    /** Every real task is learnable from word counts well above chance (so its labels are not noise); prints the probe's accuracies. */
    @Test
    void realTasksAreAboveChance() {
        DataDirectory dir = TestData.require(TextTasks.sourcesOf(TextTasks.catalog()).toArray(Source[]::new));
        TextTasks tasks = new TextTasks(dir, TextTasks.DEFAULT_SEED);
        for (TextTask t : TextTasks.catalog()) {
            TextTaskSplits s = tasks.load(t.name());
            NaiveBayesProbe nb = NaiveBayesProbe.train(s.train());
            double val = nb.accuracy(s.validation());
            double test = nb.accuracy(s.test());
            double chance = 1.0 / t.numClasses();
            System.out.printf(Locale.ROOT, "naive Bayes probe %-14s validation %.3f  test %.3f  (chance %.3f)%n", t.name(), val, test, chance);
            assertThat(test).as(t.name()).isGreaterThan(chance + 0.15);
        }
    }
}
