package io.autodidact.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.autodidact.loop.IterationMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Per-iteration metrics ({@code metrics.jsonl}): one fsynced JSON line per iteration, readable by
 * pandas ({@code pd.read_json(path, lines=True)}). When an iteration is redone after a crash its
 * metrics are appended again and the later line wins, so the file never needs rewriting.
 */
public final class MetricsLog {

    private final JsonLines lines;

    public MetricsLog(Path file) {
        this.lines = new JsonLines(file);
    }

    /** Appends {@code metrics} durably. */
    /** The metrics as the JSON object {@code metrics.jsonl} holds (snake_case keys), for APIs that serve them. */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Object> toMap(IterationMetrics metrics) {
        return StoreJson.MAPPER.convertValue(metrics, java.util.Map.class);
    }

    public synchronized void append(IterationMetrics metrics) {
        lines.append(metrics);
    }

    /** One entry per iteration, ascending; the last line for an iteration wins; a torn last line is dropped. */
    public synchronized List<IterationMetrics> read() {
        return latestPerIteration(lines.readAndRepair());
    }

    /**
     * As {@link #read} but never modifies the file: safe while another process is appending (a line being
     * written is left out, not truncated).
     */
    public List<IterationMetrics> snapshot() {
        return latestPerIteration(lines.readWhole());
    }

    private List<IterationMetrics> latestPerIteration(List<JsonNode> nodes) {
        TreeMap<Integer, IterationMetrics> byIteration = new TreeMap<>();
        int lineNumber = 0;
        for (JsonNode node : nodes) {
            lineNumber++;
            IterationMetrics m = decode(node, lineNumber);
            byIteration.put(m.iteration(), m);
        }
        return new ArrayList<>(byIteration.values());
    }

    public Path file() {
        return lines.file();
    }

    private IterationMetrics decode(JsonNode node, int lineNumber) {
        try {
            return StoreJson.MAPPER.treeToValue(node, IterationMetrics.class);
        } catch (Exception e) {
            throw new StoreCorruptedException(lines.file() + " entry " + lineNumber + " is not valid iteration metrics: "
                    + e.getMessage().lines().findFirst().orElse("") + "; fix or remove that line by hand", e);
        }
    }
}
