package io.adamerge.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adamerge.zoo.ZooFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A results table: one row per method, one column per task, and the average, in percent. Written as
 * {@code <name>.md} (Markdown table, then the notes), {@code <name>.csv} and {@code <name>.json}
 * ({@code {"rows":[{"method":..,"avg":..,"per_task":{..}}],"tasks":[..]}} plus the {@code extra} top-level fields),
 * each through a temporary file renamed into place.
 *
 * @param title   the Markdown heading
 * @param tasks   the columns, in order
 * @param rows    the rows, in order
 * @param notes   lines printed under the Markdown table (settings, time, memory)
 * @param extra   further top-level JSON fields (any Jackson-serialisable values); must not be "rows" or "tasks"
 */
public record ResultTable(String title, List<String> tasks, List<Row> rows, List<String> notes, Map<String, Object> extra) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A method's accuracy per task and its mean (both percent). */
    public record Row(String method, double avg, Map<String, Double> perTask) {
        public Row {
            perTask = Collections.unmodifiableMap(new LinkedHashMap<>(perTask));
        }
    }

    public ResultTable {
        tasks = List.copyOf(tasks);
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        if (extra.containsKey("rows") || extra.containsKey("tasks")) {
            throw new IllegalArgumentException("extra fields may not be named 'rows' or 'tasks'");
        }
        for (Row r : rows) {
            if (!r.perTask().keySet().containsAll(tasks)) {
                throw new IllegalArgumentException("row '" + r.method() + "' has no value for some of the tasks " + tasks);
            }
        }
    }

    public Row row(String method) {
        return rows.stream().filter(r -> r.method().equals(method)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no row '" + method + "'"));
    }

    /** The Markdown table (one decimal) followed by the notes. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        if (title != null && !title.isBlank()) {
            sb.append("# ").append(title).append("\n\n");
        }
        List<List<String>> cells = new ArrayList<>();
        for (Row r : rows) {
            List<String> line = new ArrayList<>();
            line.add(r.method());
            tasks.forEach(t -> line.add(String.format(Locale.ROOT, "%.1f", r.perTask().get(t))));
            line.add(String.format(Locale.ROOT, "**%.1f**", r.avg()));
            cells.add(line);
        }
        sb.append(Table.markdown(header(), cells));
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String n : notes) {
                sb.append(n).append("\n\n");
            }
        }
        return sb.toString();
    }

    /** {@code method,<task>...,avg}, values with two decimals. */
    public String csv() {
        List<List<String>> cells = new ArrayList<>();
        for (Row r : rows) {
            List<String> line = new ArrayList<>();
            line.add(r.method());
            tasks.forEach(t -> line.add(String.format(Locale.ROOT, "%.2f", r.perTask().get(t))));
            line.add(String.format(Locale.ROOT, "%.2f", r.avg()));
            cells.add(line);
        }
        return Table.csv(header(), cells);
    }

    private List<String> header() {
        List<String> header = new ArrayList<>();
        header.add("method");
        header.addAll(tasks);
        header.add("avg");
        return header;
    }

    /** The JSON document: rows, tasks, then the extra fields. */
    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        var rowsNode = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode row = rowsNode.addObject();
            row.put("method", r.method());
            row.put("avg", r.avg());
            ObjectNode per = row.putObject("per_task");
            tasks.forEach(t -> per.put(t, r.perTask().get(t)));
        }
        var tasksNode = root.putArray("tasks");
        tasks.forEach(tasksNode::add);
        extra.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        return root;
    }

    /** Writes {@code <name>.md}, {@code <name>.csv} and {@code <name>.json} into {@code dir}; returns the three paths. */
    public List<Path> write(Path dir, String name) {
        Path md = dir.resolve(name + ".md");
        Path csv = dir.resolve(name + ".csv");
        Path json = dir.resolve(name + ".json");
        try {
            ZooFiles.writeString(csv, csv());
            ZooFiles.writeString(json, JSON.writeValueAsString(json()) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(json + ": cannot write (" + e.getMessage() + ")", e);
        }
        ZooFiles.writeString(md, markdown());
        return List.of(md, csv, json);
    }

    /** Reads the rows and tasks of a {@code results.json} (the extra fields, as JSON trees, go to {@link #extra()}). */
    public static ResultTable readJson(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.path("rows").isArray() || !root.path("tasks").isArray()) {
            throw new IllegalArgumentException(file + ": a results file needs 'rows' and 'tasks' arrays");
        }
        List<String> tasks = new ArrayList<>();
        root.get("tasks").forEach(t -> tasks.add(t.asText()));
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : root.get("rows")) {
            Map<String, Double> per = new LinkedHashMap<>();
            r.path("per_task").fields().forEachRemaining(e -> per.put(e.getKey(), e.getValue().asDouble()));
            rows.add(new Row(r.path("method").asText(), r.path("avg").asDouble(), per));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("rows") && !k.equals("tasks")) {
                extra.put(k, root.get(k));
            }
        }
        return new ResultTable(null, tasks, rows, List.of(), extra);
    }
}
