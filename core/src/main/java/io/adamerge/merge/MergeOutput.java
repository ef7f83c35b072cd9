package io.adamerge.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every merge output shares, whichever executor writes it: its metadata and where it may go. */
public final class MergeOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MergeOutput() {
    }

    /**
     * The template's metadata plus what was merged and how: {@code adamerge.method}, {@code adamerge.parameters}
     * (the resolved values as JSON), {@code adamerge.base} (when given) and {@code adamerge.models} (file names).
     */
    public static Map<String, String> metadata(Map<String, String> templateMetadata, MergeMethodInfo method,
                                               MergeParameters params, Path base, List<Path> models) {
        Map<String, String> meta = new LinkedHashMap<>(templateMetadata);
        meta.put("adamerge.method", method.name());
        meta.put("adamerge.parameters", params.toJson());
        if (base != null) {
            meta.put("adamerge.base", String.valueOf(base.getFileName()));
        }
        meta.put("adamerge.models", fileNames(models));
        return meta;
    }

    /** A JSON list of the paths' file names. */
    public static String fileNames(List<Path> paths) {
        return JSON.valueToTree(paths.stream().map(p -> String.valueOf(p.getFileName())).toList()).toString();
    }

    /** The output must neither be an input nor contain one nor lie inside an input directory. */
    public static void checkNotAnInput(Path output, Path base, List<Path> models) {
        Path out = output.toAbsolutePath().normalize();
        List<Path> ins = new ArrayList<>(models);
        if (base != null) {
            ins.add(base);
        }
        for (Path in : ins) {
            Path p = in.toAbsolutePath().normalize();
            Path dir = Files.isDirectory(p) ? p : p.getParent();
            if (p.startsWith(out)) {
                throw new MergeConfigException("output " + output + " would overwrite input " + in);
            }
            if (Files.isDirectory(p) && out.startsWith(dir)) {
                throw new MergeConfigException("output " + output + " lies inside input directory " + in);
            }
        }
    }
}
