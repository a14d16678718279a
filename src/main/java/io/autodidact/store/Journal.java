package io.autodidact.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The run's append-only record of completed work ({@code journal.jsonl}) and the source of truth
 * for resume: a stage is done exactly when its line is in the journal. Each append is fsynced
 * before it returns, so a caller may treat a returned append as durable; a line torn by a crash is
 * dropped (and truncated) when the journal is opened. Safe for use by several threads of one
 * process; a run directory has one writer process.
 */
public final class Journal {

    private static final TypeReference<LinkedHashMap<String, Object>> DATA = new TypeReference<>() {};

    private final JsonLines lines;
    private final Clock clock;
    private final List<JournalEntry> entries = new ArrayList<>();

    private Journal(JsonLines lines, Clock clock) {
        this.lines = lines;
        this.clock = clock;
    }

    /** Opens (or starts) the journal at {@code file}, repairing a torn last line. */
    public static Journal open(Path file, Clock clock) {
        Journal journal = new Journal(new JsonLines(file), clock);
        int lineNumber = 0;
        for (JsonNode node : journal.lines.readAndRepair()) {
            lineNumber++;
            journal.entries.add(decode(node, file, lineNumber));
        }
        return journal;
    }

    /**
     * The entries of the journal at {@code file} as they are now, without repairing anything: for readers
     * (the Flight server) that must not touch a journal another process is appending to.
     */
    public static List<JournalEntry> snapshot(Path file) {
        JsonLines lines = new JsonLines(file);
        List<JournalEntry> out = new ArrayList<>();
        int lineNumber = 0;
        for (JsonNode node : lines.readWhole()) out.add(decode(node, file, ++lineNumber));
        return List.copyOf(out);
    }

    /** Appends {@code entry} durably: when this returns the line is on disk. */
    public synchronized void append(JournalEntry entry) {
        lines.append(encode(entry));
        entries.add(entry);
    }

    /** Records that a whole stage of {@code iteration} is done, stamped with this journal's clock. */
    public JournalEntry recordStage(int iteration, String stage, Map<String, Object> data) {
        JournalEntry entry = JournalEntry.stage(iteration, stage, clock.instant(), data);
        append(entry);
        return entry;
    }

    /** Records that one part of a stage is done, stamped with this journal's clock. */
    public JournalEntry recordPart(int iteration, String stage, int part, Map<String, Object> data) {
        JournalEntry entry = JournalEntry.part(iteration, stage, part, clock.instant(), data);
        append(entry);
        return entry;
    }

    /** Every entry in append order. */
    public synchronized List<JournalEntry> entries() {
        return List.copyOf(entries);
    }

    /** Whether the whole {@code stage} of {@code iteration} is done. */
    public synchronized boolean isDone(int iteration, String stage) {
        return find(iteration, stage, JournalEntry.WHOLE_STAGE).isPresent();
    }

    /** Whether {@code part} of {@code stage} in {@code iteration} is done. */
    public synchronized boolean donePart(int iteration, String stage, int part) {
        return find(iteration, stage, part).isPresent();
    }

    /** The parts of {@code stage} in {@code iteration} that are done, ascending. */
    public synchronized SortedSet<Integer> doneParts(int iteration, String stage) {
        SortedSet<Integer> parts = new TreeSet<>();
        for (JournalEntry e : entries)
            if (e.iteration() == iteration && e.stage().equals(stage) && !e.isWholeStage()) parts.add(e.part());
        return parts;
    }

    /** The latest entry for {@code part} of {@code stage} in {@code iteration} ({@link JournalEntry#WHOLE_STAGE} for the whole stage), if any. */
    public synchronized Optional<JournalEntry> find(int iteration, String stage, int part) {
        for (int i = entries.size() - 1; i >= 0; i--) if (entries.get(i).is(iteration, stage, part)) return Optional.of(entries.get(i));
        return Optional.empty();
    }

    /** The most recent entry, if any: where a resumed run picks up. */
    public synchronized Optional<JournalEntry> last() {
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.getLast());
    }

    public Path file() {
        return lines.file();
    }

    private static Map<String, Object> encode(JournalEntry e) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("iteration", e.iteration());
        line.put("stage", e.stage());
        line.put("part", e.part());
        line.put("timestamp", e.timestamp().toString());
        line.put("data", e.data());
        return line;
    }

    private static JournalEntry decode(JsonNode node, Path file, int lineNumber) {
        try {
            JsonNode data = node.path("data");
            Map<String, Object> payload = data.isMissingNode() || data.isNull()
                    ? Map.of()
                    : StoreJson.MAPPER.convertValue(data, DATA);
            return new JournalEntry(
                    required(node, "iteration").asInt(),
                    required(node, "stage").asText(),
                    required(node, "part").asInt(),
                    Instant.parse(required(node, "timestamp").asText()),
                    payload);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new StoreCorruptedException(file + " entry " + lineNumber + " is not a valid journal entry: "
                    + e.getMessage() + "; fix or remove that line by hand", e);
        }
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) throw new IllegalArgumentException("missing field '" + field + "'");
        return value;
    }
}
