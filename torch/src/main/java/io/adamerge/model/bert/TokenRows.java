package io.adamerge.model.bert;

import io.adamerge.model.Batch;

/**
 * Token ids that index the rows of a word-embedding table of {@code tableRows} rows, a subset of the vocabulary's rows
 * ({@link BertSentenceEncoder#readRows}): row {@code j} of that table is vocabulary row {@code rows[j]} of
 * {@link io.adamerge.model.Encoder.ReadRows}.
 */
public record TokenRows(TokenBatch tokens, long tableRows) implements Batch {
    public TokenRows {
        if (tableRows <= 0) {
            throw new IllegalArgumentException("a word-embedding table of " + tableRows + " rows");
        }
    }

    @Override
    public int size() {
        return tokens.size();
    }
}
