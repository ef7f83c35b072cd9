package io.adamerge.cli.report;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The two text forms every results table here is written in: a Markdown table (first column left-aligned, the others
 * right-aligned, as numbers are) and CSV (RFC 4180 quoting). Cells are formatted by the caller.
 */
public final class Table {
    private Table() {
    }

    /** A Markdown table of {@code header} and {@code rows}, each row as wide as the header. */
    public static String markdown(List<String> header, List<? extends List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n");
        sb.append("|---|").append("---:|".repeat(header.size() - 1)).append('\n');
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("a row of " + row.size() + " cells under " + header.size() + " columns: " + row);
            }
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    /** CSV lines of {@code header} and {@code rows}; a cell is its {@code toString()}, null is empty. */
    public static String csv(List<String> header, List<? extends List<?>> rows) {
        StringBuilder sb = new StringBuilder(line(header));
        for (List<?> row : rows) {
            sb.append(line(row));
        }
        return sb.toString();
    }

    private static String line(List<?> cells) {
        return cells.stream().map(Table::field).collect(Collectors.joining(",")) + "\n";
    }

    private static String field(Object o) {
        String s = o == null ? "" : o.toString();
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
