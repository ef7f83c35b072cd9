package io.adamerge.model.bert;

import java.util.LinkedHashMap;
import java.util.Map;

/** Hugging Face {@code BertModel} parameter names and shapes (without the pooler, which sentence encoders drop). */
public final class BertKeys {
    public static final String WORD = "embeddings.word_embeddings.weight";
    public static final String POSITION = "embeddings.position_embeddings.weight";
    public static final String TOKEN_TYPE = "embeddings.token_type_embeddings.weight";
    public static final String EMB_LN_WEIGHT = "embeddings.LayerNorm.weight";
    public static final String EMB_LN_BIAS = "embeddings.LayerNorm.bias";

    public static final String Q = "attention.self.query";
    public static final String K = "attention.self.key";
    public static final String V = "attention.self.value";
    public static final String ATTN_OUT = "attention.output.dense";
    public static final String ATTN_LN = "attention.output.LayerNorm";
    public static final String FFN_IN = "intermediate.dense";
    public static final String FFN_OUT = "output.dense";
    public static final String FFN_LN = "output.LayerNorm";

    private BertKeys() {
    }

    /** {@code encoder.layer.<i>.<module>.<param>}. */
    public static String layer(int i, String module, String param) {
        return "encoder.layer." + i + "." + module + "." + param;
    }

    /** Every parameter with its shape, in Hugging Face's state-dict order. */
    public static Map<String, long[]> shapes(BertConfig c) {
        long h = c.hiddenSize();
        long f = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(WORD, new long[] {c.vocabSize(), h});
        s.put(POSITION, new long[] {c.maxPositionEmbeddings(), h});
        s.put(TOKEN_TYPE, new long[] {c.typeVocabSize(), h});
        s.put(EMB_LN_WEIGHT, new long[] {h});
        s.put(EMB_LN_BIAS, new long[] {h});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String m : new String[] {Q, K, V, ATTN_OUT}) {
                s.put(layer(i, m, "weight"), new long[] {h, h});
                s.put(layer(i, m, "bias"), new long[] {h});
            }
            s.put(layer(i, ATTN_LN, "weight"), new long[] {h});
            s.put(layer(i, ATTN_LN, "bias"), new long[] {h});
            s.put(layer(i, FFN_IN, "weight"), new long[] {f, h});
            s.put(layer(i, FFN_IN, "bias"), new long[] {f});
            s.put(layer(i, FFN_OUT, "weight"), new long[] {h, f});
            s.put(layer(i, FFN_OUT, "bias"), new long[] {h});
            s.put(layer(i, FFN_LN, "weight"), new long[] {h});
            s.put(layer(i, FFN_LN, "bias"), new long[] {h});
        }
        return s;
    }
}
