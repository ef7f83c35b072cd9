package io.adamerge.data.text.read;

import io.adamerge.data.DataException;
import io.adamerge.data.text.TextExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * fortune(6) cookie files: UTF-8 text, entries separated by a line holding only {@code %} (the strfile format's
 * text half; the {@code .dat} offset tables are not needed). The label of every entry is the language of the
 * package it came from, never guessed from the text.
 */
public final class FortuneReader {
    private FortuneReader() {
    }

    /** The non-empty entries of one fortune file, in order. */
    public static List<String> entries(Path file, byte[] bytes) {
        String text = TextFiles.utf8(file, bytes).replace("\r\n", "\n");
        List<String> out = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.equals("%")) {
                add(out, entry);
            } else {
                entry.append(line).append('\n');
            }
        }
        add(out, entry);
        return out;
    }

    private static void add(List<String> out, StringBuilder entry) {
        String e = entry.toString().strip();
        if (!e.isEmpty()) {
            out.add(e);
        }
        entry.setLength(0);
    }

    /**
     * Every entry of the fortune files under {@code packageFolder} (one Debian package's files), labelled
     * {@code language}; {@code .dat} tables, symbolic links ({@code .u8} aliases, links into other packages) and
     * offensive collections ({@code off/} folders) are skipped. The group of an entry is its file and index.
     */
    public static List<TextExample> readPackage(Path packageFolder, String language) {
        if (!Files.isDirectory(packageFolder)) {
            throw new DataException(packageFolder, "no such folder (a fortunes package folder was expected)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(packageFolder)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().endsWith(".dat") && !p.getFileName().toString().endsWith(".u8"))
                    .filter(p -> !packageFolder.relativize(p).toString().matches("(.*/)?off/.*"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DataException(packageFolder, "cannot list (" + e.getMessage() + ")", e);
        }
        List<TextExample> out = new ArrayList<>();
        for (Path f : files) {
            List<String> es = entries(f, TextFiles.read(f));
            String rel = packageFolder.relativize(f).toString();
            for (int i = 0; i < es.size(); i++) {
                out.add(new TextExample(es.get(i), language, rel + "#" + i));
            }
        }
        return out;
    }
}
