package io.adamerge.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.search.ImageZooSource;
import io.adamerge.merge.search.SearchPool;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.model.Encoder;
import io.adamerge.testing.TinyZoo;
import io.adamerge.zoo.Zoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The tiny test zoo as a pool Spark's tasks load from its folder (its splits are seeded, so every JVM has the same). */
record TinyZooSource(String zoo) implements SearchPoolSource {
    @Override
    public OpenPool open() {
        ModelPool models = new ModelPool(Zoo.open(Path.of(zoo)), MergeMethods.discover());
        SearchPool view = ImageZooSource.of(models, TaskPool.of(models, TinyZoo.syntheticSplits()));
        return new OpenPool() {
            @Override
            public List<String> tasks() {
                return view.tasks();
            }

            @Override
            public Encoder encoder() {
                return view.encoder();
            }

            @Override
            public Map<String, NDArray> pretrained() {
                return view.pretrained();
            }

            @Override
            public Map<String, NDArray> finetuned(String task) {
                return view.finetuned(task);
            }

            @Override
            public NDManager manager() {
                return view.manager();
            }

            @Override
            public TaskMetrics evaluate(String task, Map<String, NDArray> weights, Split split, int limit, NDManager scope) {
                return view.evaluate(task, weights, split, limit, scope);
            }

            @Override
            public void close() {
                models.close();
            }
        };
    }
}
