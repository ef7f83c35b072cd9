package io.adamerge.search;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a coefficient search has evaluated so far, written after every batch (temporary file + rename) so that a rerun
 * continues where it stopped: the candidates in evaluation order with their scores. The search replays its algorithm
 * over these (same seed, same sequence) and checks every recorded point against the one it proposes again.
 *
 * @param format      {@link #FORMAT}
 * @param key         {@link SearchSettings#sequenceKey} plus the caller's problem key: a state of another search is refused
 * @param points      evaluated candidates, in order
 * @param accuracies  their mean validation accuracy, percent
 * @param losses      their mean validation cross-entropy
 * @param seconds     wall time spent evaluating them, over every run that added to this state
 */
public record SearchState(String format, String key, List<double[]> points, List<Double> accuracies, List<Double> losses, double seconds) {
    public static final String FORMAT = "adamerge-search-1";
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public SearchState {
        points = List.copyOf(points);
        accuracies = List.copyOf(accuracies);
        losses = List.copyOf(losses);
        if (points.size() != accuracies.size() || points.size() != losses.size()) {
            throw new IllegalArgumentException("a search state needs one accuracy and one loss per point");
        }
    }

    public static SearchState empty(String key) {
        return new SearchState(FORMAT, key, List.of(), List.of(), List.of(), 0);
    }

    public static SearchState of(String key, List<Evaluation> evaluations, double seconds) {
        List<double[]> p = new ArrayList<>();
        List<Double> a = new ArrayList<>();
        List<Double> l = new ArrayList<>();
        for (Evaluation e : evaluations) {
            p.add(e.point());
            a.add(e.accuracy());
            l.add(Double.isFinite(e.loss()) ? e.loss() : Double.MAX_VALUE);
        }
        return new SearchState(FORMAT, key, p, a, l, seconds);
    }

    public List<Evaluation> evaluations() {
        List<Evaluation> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            out.add(new Evaluation(points.get(i), accuracies.get(i), losses.get(i)));
        }
        return out;
    }

    /** The state in {@code file} if it exists and belongs to the search {@code key}; else empty. A foreign or broken file fails. */
    public static SearchState load(Path file, String key) {
        if (file == null || !Files.isRegularFile(file)) {
            return empty(key);
        }
        SearchState s;
        try {
            s = JSON.readValue(file.toFile(), SearchState.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not a readable search state (" + e.getMessage().lines().findFirst().orElse("")
                    + "); delete it to start the search afresh", e);
        }
        if (!FORMAT.equals(s.format())) {
            throw new IllegalArgumentException(file + ": search state format '" + s.format() + "', expected '" + FORMAT + "'");
        }
        if (!key.equals(s.key())) {
            throw new IllegalArgumentException(file + ": holds the state of another search (" + s.key() + "), not of " + key
                    + "; delete it to start this search afresh");
        }
        return s;
    }

    /** Writes the state (temporary file + rename). */
    public void save(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot create its folder (" + e.getMessage() + ")", e);
        }
        AtomicFiles.write(file, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, this));
    }
}
