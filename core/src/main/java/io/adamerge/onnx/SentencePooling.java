package io.adamerge.onnx;

import java.util.Locale;

/**
 * How sentence-transformers turns a BERT's last hidden state into one vector (its {@code 1_Pooling/config.json}):
 * the mean over the attention mask, or the first ([CLS]) token.
 */
public enum SentencePooling {
    MEAN("pooling_mode_mean_tokens"),
    CLS("pooling_mode_cls_token");

    private final String configKey;

    SentencePooling(String configKey) {
        this.configKey = configKey;
    }

    /** The key that is true in sentence-transformers' pooling config for this mode. */
    public String configKey() {
        return configKey;
    }

    public static SentencePooling parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "' (mean or cls)");
        }
    }
}
