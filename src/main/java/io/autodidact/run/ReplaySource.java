package io.autodidact.run;

import io.autodidact.engine.Tokenizer;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Stage;
import io.autodidact.store.Journal;
import io.autodidact.store.JournalEntry;
import io.autodidact.store.RolloutFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.yaml.snakeyaml.Yaml;

/**
 * The run whose recorded rollouts a replay trains on. Read only: unlike {@code RunDirectory.open}, nothing here sweeps
 * or repairs the source's files, so replaying a run never changes it.
 *
 * @param root the source run directory
 */
public record ReplaySource(Path root) {
    public ReplaySource {
        root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("format.json")) || !Files.isRegularFile(root.resolve("run.yaml")))
            throw new IllegalArgumentException(root + " is not an autodidact run directory (no format.json or run.yaml); give the run to replay");
    }

    public String runId() {
        return root.getFileName().toString();
    }

    /** The source's resolved config (its run.yaml). */
    public Map<String, Object> config() {
        try {
            Object parsed = new Yaml().load(Files.readString(root.resolve("run.yaml")));
            if (!(parsed instanceof Map<?, ?> map)) throw new IllegalArgumentException(root.resolve("run.yaml") + " is not a YAML mapping");
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), v));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + root.resolve("run.yaml") + ": " + e.getMessage(), e);
        }
    }

    /** The source's base policy, the checkpoint a replay starts from so that it trains what the source trained. */
    public Path baseCheckpoint() {
        Path base = root.resolve("checkpoints/iter-0000");
        if (!Files.isRegularFile(base.resolve("COMPLETE.json")))
            throw new IllegalArgumentException("source run " + runId() + " has no complete base checkpoint (" + base + "); it never finished BOOTSTRAP");
        return base;
    }

    /** The iterations whose GENERATE the source finished, 1, 2, ... without a gap. */
    public int generatedIterations() {
        List<JournalEntry> entries = Journal.snapshot(root.resolve("journal.jsonl"));
        int n = 0;
        while (true) {
            int next = n + 1;
            if (entries.stream().noneMatch(e -> e.iteration() == next && e.isWholeStage() && e.stage().equals(Stage.GENERATE.name()))) return n;
            n = next;
        }
    }

    /** The parts the source wrote for {@code iteration}. */
    public List<Integer> parts(int iteration, BufferAllocator allocator) {
        return files(allocator).parts(iteration);
    }

    /**
     * Part {@code part} of {@code iteration} as fresh GENERATE output: tokens, log-probabilities (the source's behaviour
     * policy's), text, finish reason and temperature kept; score, selection and advantage cleared for the new recipe.
     * Refuses rollouts of problems this run does not have, or whose prompt tokens this run's tokenizer would not produce.
     */
    public List<Rollout> part(int iteration, int part, Map<String, Problem> problems, Tokenizer tokenizer, BufferAllocator allocator) {
        List<Rollout> out = new ArrayList<>();
        for (Rollout r : files(allocator).read(iteration, part)) {
            Problem p = problems.get(r.problemId());
            if (p == null)
                throw new IllegalStateException("replay of " + runId() + ", iteration " + iteration + ": problem " + r.problemId()
                        + " is not among this run's problems; the task, its options or the seed differ from the source run's");
            if (!Arrays.equals(tokenizer.encode(p.prompt()), r.promptTokens()))
                throw new IllegalStateException("replay of " + runId() + ", iteration " + iteration + ": the prompt of " + r.problemId()
                        + " tokenizes differently here than in the source run; the model's tokenizer is incompatible");
            out.add(new Rollout(iteration, r.problemId(), r.sampleIndex(), r.promptTokens(), r.completionTokens(), r.logprobs(), r.text(),
                    r.finishReason(), r.temperature(), 0, false, false, 0, "", r.hint()));
        }
        return out;
    }

    private RolloutFiles files(BufferAllocator allocator) {
        return new RolloutFiles(root.resolve("rollouts"), runId(), allocator);
    }
}
