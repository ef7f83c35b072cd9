package io.adamerge.data.fetch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Debian fortune packages of the text benchmark and the language each one is written in. */
public final class FortunePackages {
    private FortunePackages() {
    }

    /** Package → language (ISO 639-1); the language is the package's, never guessed from the text. */
    public static final Map<String, String> LANGUAGE;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fortunes", "en");
        m.put("fortunes-de", "de");
        m.put("fortunes-es", "es");
        m.put("fortunes-it", "it");
        m.put("fortunes-pl", "pl");
        m.put("fortunes-cs", "cs");
        m.put("fortunes-br", "pt");
        m.put("fortunes-eo", "eo");
        LANGUAGE = java.util.Collections.unmodifiableMap(m);
    }

    public static final List<String> PACKAGES = List.copyOf(LANGUAGE.keySet());
}
