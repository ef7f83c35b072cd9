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
        SearchPool view = of(models, tasks);
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

    /** A view of an image model pool and its task pool as a search pool (the caller keeps owning them). */
    public static SearchPool of(ModelPool models, TaskPool tasks) {
        return new SearchPool() {
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
        };
    }
}
