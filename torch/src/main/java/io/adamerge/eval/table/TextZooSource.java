package io.adamerge.eval.table;

import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.merge.search.SearchPoolSource;
import io.adamerge.zoo.TextZoo;
import java.nio.file.Path;

/**
 * The text benchmark's search pool: a text zoo folder and the data folder its splits are cut from.
 *
 * @param zoo  the text zoo folder
 * @param data the data folder ({@code adamerge data fetch --benchmark text})
 */
public record TextZooSource(String zoo, String data) implements SearchPoolSource {
    @Override
    public OpenPool open() {
        return TextMainTable.openPool(TextZoo.open(Path.of(zoo)), new DataDirectory(Path.of(data)));
    }
}
