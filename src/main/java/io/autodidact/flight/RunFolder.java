package io.autodidact.flight;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.store.Journal;
import io.autodidact.store.JournalEntry;
import io.autodidact.store.MetricsLog;
import io.autodidact.store.RolloutFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A run directory seen by the data plane: strictly read-only, since the run may be live in another process
 * ({@link io.autodidact.store.RunDirectory#open} would sweep its temp files and repair its journal). A run has
 * <em>ended</em> when it has written {@code summary.json}, the last thing {@code LoopRunner} writes.
 */
final class RunFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One rollout part file. */
    record Part(int iteration, int index, Path file) {}

    private final String runId;
    private final Path root;
    private final RolloutFiles rollouts;

    RunFolder(String runId, Path root, BufferAllocator allocator) {
        this.runId = runId;
        this.root = root;
        this.rollouts = new RolloutFiles(root.resolve("rollouts"), runId, allocator);
    }

    String runId() {
        return runId;
    }

    /** Whether the run has finished: its {@code summary.json} exists. */
    boolean ended() {
        return Files.isRegularFile(root.resolve("summary.json"));
    }

    /** The run's rollout parts now, by iteration then part; only {@code iteration}'s when given. */
    List<Part> parts(OptionalInt iteration) {
        List<Part> parts = new ArrayList<>();
        List<Integer> iterations = iteration.isPresent() ? List.of(iteration.getAsInt()) : rollouts.iterations();
        for (int it : iterations)
            for (int p : rollouts.parts(it)) parts.add(new Part(it, p, rollouts.partFile(it, p)));
        return parts;
    }

    /** Iterations that have a rollouts folder. */
    List<Integer> iterations() {
        return rollouts.iterations();
    }

    /** Per-iteration metrics written so far (a line being written is left out). */
    List<IterationMetrics> metrics() {
        return new MetricsLog(root.resolve("metrics.jsonl")).snapshot();
    }

    /** The last completed unit of work, if any. */
    Optional<JournalEntry> lastJournalEntry() {
        List<JournalEntry> entries = Journal.snapshot(root.resolve("journal.jsonl"));
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.getLast());
    }

    /** {@code summary.json}, or empty before the run ends. */
    Map<String, Object> summary() throws IOException {
        Path file = root.resolve("summary.json");
        if (!Files.isRegularFile(file)) return Map.of();
        return JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
    }
}
