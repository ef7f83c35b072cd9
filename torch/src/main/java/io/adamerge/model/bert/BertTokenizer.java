package io.adamerge.model.bert;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import io.adamerge.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's binding of the Rust tokenizers, configured as
 * sentence-transformers calls it: special tokens added, each text truncated to {@code maxSeqLength} tokens
 * (longest-first, [CLS] and [SEP] included), the batch padded with id 0 to its longest text.
 *
 * <p>The padding and truncation that a {@code tokenizer.json} may embed (all-MiniLM-L6-v2's pads and truncates to
 * 128) are replaced: sentence-transformers overrides them with the model's {@code max_seq_length} (256 for
 * all-MiniLM-L6-v2, 512 for bge-small-en-v1.5) and pads per batch, so embeddings do not depend on the batch.
 */
public final class BertTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxSeqLength;

    private BertTokenizer(HuggingFaceTokenizer tokenizer, int maxSeqLength) {
        this.tokenizer = tokenizer;
        this.maxSeqLength = maxSeqLength;
    }

    public static BertTokenizer load(Path tokenizerJson, int maxSeqLength) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new CheckpointException(tokenizerJson + ": no such file (the model directory needs its tokenizer.json)");
        }
        System.getProperties().putIfAbsent("ai.djl.offline", "true");
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxSeqLength)
                    .optPadding(false)
                    .build();
            return new BertTokenizer(t, maxSeqLength);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(tokenizerJson + ": cannot load the tokenizer (" + e.getMessage() + ")", e);
        }
    }

    public int maxSeqLength() {
        return maxSeqLength;
    }

    /** Token ids of one text (with [CLS] and [SEP], truncated). */
    public long[] ids(String text) {
        return tokenizer.encode(text).getIds();
    }

    /** The texts as one batch padded to its longest member, on {@code manager}. */
    public TokenBatch encode(List<String> texts, NDManager manager) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to encode");
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int length = 0;
        for (Encoding e : encodings) {
            length = Math.max(length, e.getIds().length);
        }
        int batch = encodings.length;
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] types = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            long[] id = encodings[b].getIds();
            long[] m = encodings[b].getAttentionMask();
            long[] t = encodings[b].getTypeIds();
            System.arraycopy(id, 0, ids, b * length, id.length);
            System.arraycopy(m, 0, mask, b * length, m.length);
            System.arraycopy(t, 0, types, b * length, t.length);
        }
        ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(batch, length);
        return new TokenBatch(manager.create(ids, shape), manager.create(mask, shape), manager.create(types, shape));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
