package io.adamerge.merge.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.eval.ModelPool;
import io.adamerge.eval.TaskMetrics;
import io.adamerge.eval.TaskPool;
import io.adamerge.merge.MergeMethods;
import io.adamerge.model.Encoder;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The image benchmark's pool: a zoo folder and the data folder its splits are cut from (as {@code adamerge demo} does).
 *
 * @param zoo  the zoo folder
 * @param data the data folder ({@code adamerge data fetch})
 */
public record ImageZooSource(String zoo, String data) implements SearchPoolSource {
    @Override
    public OpenPool open() {
        Zoo z = Zoo.open(Path.of(zoo));
        ModelPool models = new ModelPool(z, MergeMethods.discover());
        TaskPool tasks = TaskPool.of(models, new ZooData(new DataDirectory(Path.of(data)), z.recipe().dataSeed(), z.imageSpec()));
        return owning(models, tasks);
    }

    /** A view of an image model pool and its task pool as a search pool (the caller keeps owning them). */
    public static SearchPool of(ModelPool models, TaskPool tasks) {
        return view(models, tasks, () -> {
        });
    }

    /** The same view, owning the model pool: closing the view closes it. */
    public static OpenPool owning(ModelPool models, TaskPool tasks) {
        return view(models, tasks, models::close);
    }

    private static OpenPool view(ModelPool models, TaskPool tasks, Runnable close) {
        return new OpenPool() {
            @Override
            public List<String> tasks() {
                return models.tasks();
            }

            @Override
            public Encoder encoder() {
                return models.model();
            }

            @Override
            public Map<String, NDArray> pretrained() {
                return models.pretrained();
            }

            @Override
            public Map<String, NDArray> finetuned(String task) {
                return models.finetuned(task);
            }

            @Override
            public NDManager manager() {
                return models.manager();
            }

            @Override
            public TaskMetrics evaluate(String task, Map<String, NDArray> weights, Split split, int limit, NDManager scope) {
                return tasks.evaluate(task, weights, split == Split.VALIDATION ? tasks.validation(task) : tasks.test(task), limit, scope);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
