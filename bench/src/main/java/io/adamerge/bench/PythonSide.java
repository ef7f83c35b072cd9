package io.adamerge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The PyTorch half of a side-by-side benchmark: a Python script kept running that answers one JSON line per request
 * line, so its repetitions can alternate with DJL's and see the same machine load. Also the summary statistics the
 * benchmarks share.
 */
final class PythonSide implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final PrintWriter in;
    private final BufferedReader out;
    /** The script's first line: its engine and settings. */
    final String banner;

    PythonSide(String python, Path script, List<String> args) throws IOException {
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException(script + ": PyTorch benchmark script not found (pass --script)");
        }
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        banner = readLine(python + " " + script);
    }

    private String readLine(String what) throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IllegalStateException(what + " ended early; install Debian's python3-torch and libopenblas0-pthread, or pass --skip-python");
        }
        return line;
    }

    /** Sends one request line and returns the script's JSON answer. */
    JsonNode request(String line) {
        try {
            in.println(line);
            return JSON.readTree(readLine("PyTorch " + line));
        } catch (IOException e) {
            throw new IllegalStateException("PyTorch side failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        in.println("quit");
        process.destroy();
    }

    static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
        double[] s = xs.stream().mapToDouble(f).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static <T> double min(List<T> xs, ToDoubleFunction<T> f) {
        return xs.stream().mapToDouble(f).min().orElse(Double.NaN);
    }
}
