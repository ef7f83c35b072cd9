package io.adamerge.merge.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.merge.MergeConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads YAML strictly: anchors, aliases and merge keys ({@code <<: *base}) are resolved by SnakeYAML's composer (a
 * Jackson tree reads {@code *x} as the string "x"), a key given twice is refused, a self-referencing alias is refused,
 * and the text must be valid UTF-8. Only plain data is built (no tags to Java types).
 */
public final class StrictYaml {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** More aliases than a config ever needs, few enough to stop an alias bomb. */
    private static final int MAX_ALIASES = 100;

    private StrictYaml() {
    }

    /** The YAML document in {@code file} as a Jackson tree; errors name the file and, where known, the line. */
    public static JsonNode read(Path file) {
        String text;
        try (Reader r = new java.io.InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT))) {
            StringBuilder sb = new StringBuilder();
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) > 0; ) {
                sb.append(buf, 0, n);
            }
            text = sb.toString();
        } catch (CharacterCodingException e) {
            throw new MergeConfigException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new MergeConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(text, file.toString());
    }

    /** Parses YAML text; {@code source} names it in messages. */
    public static JsonNode parse(String text, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        options.setProcessComments(false);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Object data;
        try {
            List<Object> documents = new java.util.ArrayList<>();
            yaml.loadAll(text).forEach(documents::add);
            if (documents.size() > 1) {
                throw new MergeConfigException(source + ": holds " + documents.size() + " YAML documents; give one");
            }
            data = documents.isEmpty() ? null : documents.get(0);
        } catch (MarkedYAMLException e) {
            throw new MergeConfigException(source + ": " + describe(e));
        } catch (YAMLException e) {
            throw new MergeConfigException(source + ": invalid YAML (" + firstLine(e.getMessage()) + ")");
        }
        requireAcyclic(data, source, Collections.newSetFromMap(new IdentityHashMap<>()));
        try {
            return data == null ? null : JSON.valueToTree(data);
        } catch (IllegalArgumentException e) {
            throw new MergeConfigException(source + ": cannot use this YAML value (" + firstLine(e.getMessage()) + ")");
        }
    }

    private static String describe(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
        String context = e.getContext() == null ? "" : e.getContext() + ": ";
        String where = e.getProblemMark() == null ? ""
                : " at line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1);
        if (problem.startsWith("found duplicate key")) {
            return "a key is given twice (" + problem.substring("found ".length()) + ")" + where + "; give each key once";
        }
        return context + problem + where;
    }

    /** Values a document may expand to once its aliases are followed: a config has a few hundred. */
    private static final int MAX_VALUES = 100_000;

    /**
     * An alias to an enclosing node makes a cycle that no config means; aliases of aliases can expand exponentially
     * (an alias bomb under SnakeYAML's alias count): both are refused before the tree is built.
     */
    private static void requireAcyclic(Object node, String source, Set<Object> path) {
        requireAcyclic(node, source, path, new int[] {0});
    }

    private static void requireAcyclic(Object node, String source, Set<Object> path, int[] values) {
        if (++values[0] > MAX_VALUES) {
            throw new MergeConfigException(source + ": its aliases expand to more than " + MAX_VALUES + " values");
        }
        if (!(node instanceof Map<?, ?>) && !(node instanceof List<?>)) {
            return;
        }
        if (!path.add(node)) {
            throw new MergeConfigException(source + ": an alias refers to a node that contains it (a cycle)");
        }
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String) && !(e.getKey() instanceof Number) && !(e.getKey() instanceof Boolean)) {
                    throw new MergeConfigException(source + ": a key must be a plain value, got " + e.getKey());
                }
                requireAcyclic(e.getValue(), source, path, values);
            }
        } else {
            for (Object o : (List<?>) node) {
                requireAcyclic(o, source, path, values);
            }
        }
        path.remove(node);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
