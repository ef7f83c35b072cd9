package io.adamerge.merge.data;

import ai.djl.ndarray.NDManager;
import io.adamerge.data.DataException;
import io.adamerge.model.Examples;
import io.adamerge.model.bert.BertTokenizer;
import io.adamerge.model.bert.TokenBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Unlabelled texts of one task, tokenised per batch by a model's tokenizer (each batch padded to its longest text):
 * what data-driven and test-time merges see of a text task.
 *
 * @param source where the texts came from, for messages
 */
public record TaskTexts(String source, List<String> texts, BertTokenizer tokenizer) implements Examples {
    public TaskTexts {
        texts = List.copyOf(texts);
        if (texts.isEmpty()) {
            throw new DataException(source + ": no texts");
        }
    }

    @Override
    public int count() {
        return texts.size();
    }

    @Override
    public TokenBatch select(int[] indices, NDManager manager) {
        List<String> picked = new ArrayList<>(indices.length);
        for (int i : indices) {
            if (i < 0 || i >= texts.size()) {
                throw new IndexOutOfBoundsException(source + ": text " + i + " of " + texts.size());
            }
            picked.add(texts.get(i));
        }
        return tokenizer.encode(picked, manager);
    }

    /** A UTF-8 text file, one text per line (blank lines skipped), as {@code adamerge embed} reads it. */
    public static TaskTexts load(Path file, BertTokenizer tokenizer) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, "no such file (a text file, one text per line)");
        }
        try {
            List<String> texts = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            if (texts.isEmpty()) {
                throw new DataException(file, "holds no texts (one text per line)");
            }
            return new TaskTexts(file.toString(), texts, tokenizer);
        } catch (IOException e) {
            throw new DataException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }
}
