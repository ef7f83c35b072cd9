package io.adamerge.spark;

import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.search.ImageZooSource;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.testing.TinyZoo;
import io.adamerge.zoo.Zoo;
import java.nio.file.Path;

/** The tiny test zoo as a pool Spark's tasks load from its folder (its splits are seeded, so every JVM has the same). */
record TinyZooSource(String zoo) implements SearchPoolSource {
    @Override
    public OpenPool open() {
        ModelPool models = new ModelPool(Zoo.open(Path.of(zoo)), MergeMethods.discover());
        return ImageZooSource.owning(models, TaskPool.of(models, TinyZoo.syntheticSplits()));
    }
}
