package io.adamerge.cli.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.checkpoint.Checkpoint;
import io.adamerge.checkpoint.DType;
import io.adamerge.checkpoint.TensorInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code adamerge inspect}: what a checkpoint holds, read from its headers only. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a checkpoint's tensors (dtype, shape), parameter count and metadata. Reads headers only.")
public final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = ".safetensors file, *.safetensors.index.json or model directory")
    Path path;

    @Option(names = "--filter", paramLabel = "REGEX", description = "only tensors whose name contains a match")
    String filter;

    @Option(names = "--summary", description = "no tensor list")
    boolean summary;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return inspect();
    }

    private int inspect() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Checkpoint c = Checkpoint.open(path)) {
            Pattern p = filter == null ? null : compileFilter(filter);
            List<TensorInfo> shown = c.tensors().stream().filter(t -> p == null || p.matcher(t.name()).find()).toList();
            long floatParams = 0;
            long allElements = 0;
            long bytes = 0;
            Map<DType, Integer> byDtype = new EnumMap<>(DType.class);
            for (TensorInfo t : c.tensors()) {
                allElements += t.numel();
                bytes += t.byteLength();
                if (t.dtype().isFloating()) {
                    floatParams += t.numel();
                }
                byDtype.merge(t.dtype(), 1, Integer::sum);
            }
            String layout = c.files().size() > 1 ? "sharded (" + c.files().size() + " files)" : "single file";
            if (c.configJson().isPresent()) {
                layout += ", Hugging Face directory with config.json";
            }
            if (json) {
                ObjectNode root = JSON.createObjectNode();
                root.put("path", path.toString());
                root.put("files", c.files().size());
                root.put("config_json", c.configJson().isPresent());
                root.put("tensors", c.tensors().size());
                root.put("parameters", floatParams);
                root.put("elements", allElements);
                root.put("bytes", bytes);
                ObjectNode dt = root.putObject("dtypes");
                byDtype.forEach((k, v) -> dt.put(k.name(), v));
                ObjectNode meta = root.putObject("metadata");
                c.metadata().forEach(meta::put);
                if (!summary) {
                    ArrayNode list = root.putArray("tensor_list");
                    for (TensorInfo t : shown) {
                        ObjectNode o = list.addObject();
                        o.put("name", t.name());
                        o.put("dtype", t.dtype().name());
                        ArrayNode shape = o.putArray("shape");
                        for (long d : t.shape()) {
                            shape.add(d);
                        }
                        o.put("numel", t.numel());
                    }
                }
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
                out.flush();
                return 0;
            }
            out.println(path);
            out.println("  layout:     " + layout);
            out.printf(Locale.ROOT, "  tensors:    %d (%s)%n", c.tensors().size(), dtypes(byDtype));
            out.printf(Locale.ROOT, "  parameters: %,d floating (%,d elements in all), %s of tensor data%n",
                    floatParams, allElements, humanBytes(bytes));
            if (c.metadata().isEmpty()) {
                out.println("  metadata:   (none)");
            } else {
                out.println("  metadata:");
                c.metadata().forEach((k, v) -> out.println("    " + k + ": " + v));
            }
            if (!summary) {
                int width = Math.max(6, shown.stream().mapToInt(t -> t.name().length()).max().orElse(6));
                out.printf("  %-" + width + "s  %-5s  %-20s  %s%n", "tensor", "dtype", "shape", "elements");
                for (TensorInfo t : shown) {
                    out.printf(Locale.ROOT, "  %-" + width + "s  %-5s  %-20s  %,d%n", t.name(), t.dtype(),
                            t.shapeString(), t.numel());
                }
            }
            out.flush();
            return 0;
        }
    }

    private static String dtypes(Map<DType, Integer> byDtype) {
        StringBuilder sb = new StringBuilder();
        byDtype.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(v).append(' ').append(k));
        return sb.toString();
    }

    static String humanBytes(long b) {
        if (b < 1000) {
            return b + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = b;
        int i = -1;
        while (v >= 1000 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    /** A bad --filter is the option's fault: say so, with the regex error's first line. */
    private static Pattern compileFilter(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("--filter '" + regex + "' is not a valid regular expression: "
                    + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }
}
