package io.adamerge.cli;

import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import io.adamerge.zoo.ZooRecipe;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data DIR}: the data directory, for every command that reads the benchmark's images (a picocli mixin). */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Data directory (default: $ADAMERGE_DATA, else ~/.cache/adamerge/data).")
    Path data;

    DataDirectory directory() {
        return DataDirectory.resolve(data);
    }

    /** The images of a built zoo's tasks, split and sized as the zoo was trained. */
    ZooData forZoo(Zoo zoo) {
        return new ZooData(directory(), zoo.recipe().dataSeed(), zoo.imageSpec());
    }

    /** The images a recipe trains on. */
    ZooData forRecipe(ZooRecipe recipe) {
        return new ZooData(directory(), recipe.dataSeed(), recipe.architecture().imageSpec());
    }
}
