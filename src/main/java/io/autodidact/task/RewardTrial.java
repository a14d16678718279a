package io.autodidact.task;

import io.autodidact.loop.ConfigMap;
import io.autodidact.python.CodeExecutionReward;
import io.autodidact.python.PythonReward;
import io.autodidact.python.PythonRewardSpec;
import io.autodidact.python.SandboxLimits;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.reward.Verifiers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Trying a reward on a handful of samples before a run: what {@code autodidact reward score} and
 * {@code POST /api/rewards/score} share. A {@link Choice} names the reward (a Java verifier with options, Python
 * code from a path or inline, or code execution); {@link #score} returns one {@link Result} row per sample, in
 * the same shape on the command line and over HTTP.
 */
public final class RewardTrial implements AutoCloseable {
    /** Module name an inline source is loaded as (tracebacks show {@code <inline>}). */
    public static final String INLINE_MODULE = "inline";

    /** Which reward to try. */
    public sealed interface Choice {}

    /** A built-in Java verifier: {@code exact}, {@code numeric} or {@code regex}, with its options as in a run's {@code task.verifier_options}. */
    public record Verifier(String name, Map<String, Object> options) implements Choice {
        public Verifier {
            Objects.requireNonNull(name, "name");
            options = Map.copyOf(options);
        }
    }

    /**
     * Python code from {@code path} (a {@code .py} file, or a directory with {@code module}) or inline {@code source};
     * {@code untrusted} code runs in sandbox child processes rather than in this JVM.
     */
    public record Python(Optional<Path> path, Optional<String> source, Optional<String> module, String function, boolean untrusted,
            SandboxLimits limits) implements Choice {
        public Python {
            if (path.isPresent() == source.isPresent()) throw new IllegalArgumentException("give exactly one of path or source");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(limits, "limits");
        }
    }

    /** The built-in code-execution reward: the completion is a program run against {@code metadata.tests}, always sandboxed. */
    public record CodeExecution(SandboxLimits limits) implements Choice {
        public CodeExecution {
            Objects.requireNonNull(limits, "limits");
        }
    }

    /** One sample's outcome; {@code score} and {@code correct} are empty when {@code error} says why it has no score. */
    public record Result(String id, Optional<Double> score, Optional<Boolean> correct, Optional<String> error, double millis,
            String message, List<Double> steps) {
        public Result {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(message, "message");
            steps = List.copyOf(steps);
        }

        /** The JSON row both front ends print: {@code id, score, correct, error, millis}, then {@code message} and {@code steps} when set. */
        public Map<String, Object> toMap() {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", id);
            row.put("score", score.orElse(null));
            row.put("correct", correct.orElse(null));
            row.put("error", error.orElse(null));
            row.put("millis", millis);
            if (!message.isEmpty()) row.put("message", message);
            if (!steps.isEmpty()) row.put("steps", steps);
            return row;
        }
    }

    /** Totals over a batch: how many were correct and failed, the mean score of those scored. */
    public record Summary(int samples, int correct, int errors, double meanScore, double seconds) {}

    private final Reward reward;

    private RewardTrial(Reward reward) {
        this.reward = reward;
    }

    /**
     * Loads the reward ({@code workers} contexts or sandbox processes scoring batches of {@code batch}); a Python
     * reward that does not load, or a verifier with bad options, throws {@link IllegalArgumentException}.
     */
    public static RewardTrial open(Choice choice, int workers, int batch) {
        return new RewardTrial(switch (choice) {
            case Verifier v -> Verifiers.named(v.name(), v.options());
            case CodeExecution c -> CodeExecutionReward.create(c.limits(), workers, 0);
            case Python p -> {
                PythonRewardSpec spec = new PythonRewardSpec(p.path().orElse(Path.of(INLINE_MODULE + ".py")), p.module(), p.function(),
                        p.untrusted(), p.limits(), batch, workers, 0);
                yield p.source().isPresent() ? PythonReward.ofSource(INLINE_MODULE, p.source().get(), spec) : PythonReward.open(spec);
            }
        });
    }

    /**
     * A choice from request fields, validated like a run config (errors name {@code prefix.field}): exactly one of
     * {@code verifier} (with {@code options}), {@code source} or {@code path} (with {@code module}, {@code function},
     * {@code untrusted}: default true) and {@code code_execution: true}; {@code timeout_ms} bounds each Python call.
     */
    public static Choice parse(ConfigMap c) {
        String verifier = c.string("verifier", null), source = c.string("source", null), path = c.string("path", null);
        boolean codeExecution = c.bool("code_execution", false);
        Map<String, Object> options = c.raw("options");
        Optional<String> module = Optional.ofNullable(c.string("module", null));
        String function = c.string("function", "reward");
        boolean untrusted = c.bool("untrusted", true);
        int timeoutMs = c.integer("timeout_ms", 5000, 10, 60_000);
        c.finish();
        String where = c.path().isEmpty() ? "" : c.path() + ".";
        int given = (verifier != null ? 1 : 0) + (source != null ? 1 : 0) + (path != null ? 1 : 0) + (codeExecution ? 1 : 0);
        if (given != 1)
            throw ConfigMap.error(c.path().isEmpty() ? "reward" : c.path(), "give exactly one of verifier (" + String.join(", ", Verifiers.NAMES)
                    + "), source (Python code), path (a .py file on the server) or code_execution: true");
        if (verifier == null && !options.isEmpty())
            throw ConfigMap.error(where + "options", "options belong to a verifier; a Python reward reads its sample's fields itself");
        SandboxLimits limits = SandboxLimits.DEFAULT.withTimeout(Duration.ofMillis(timeoutMs));
        if (verifier != null) {
            if (!Verifiers.NAMES.contains(verifier))
                throw ConfigMap.error(where + "verifier", "unknown verifier \"" + verifier + "\"; valid verifiers: " + String.join(", ", Verifiers.NAMES));
            return new Verifier(verifier, options);
        }
        if (codeExecution) {
            if (!untrusted) throw ConfigMap.error(where + "untrusted", "model-written code always runs untrusted; remove untrusted: false");
            return new CodeExecution(limits);
        }
        if (source != null && source.isBlank()) throw ConfigMap.error(where + "source", "is empty; give Python code defining " + function + "(sample)");
        return new Python(Optional.ofNullable(path).map(Path::of), Optional.ofNullable(source), module, function, untrusted, limits);
    }

    public String name() {
        return reward.name();
    }

    /** Scores the samples in one call (the reward batches and parallelises inside); {@code millis} is each sample's share. */
    public List<Result> score(List<Sample> samples) {
        if (samples.isEmpty()) return List.of();
        long t0 = System.nanoTime();
        List<Score> scores = reward.score(samples);
        double millis = Math.round((System.nanoTime() - t0) / 1e6 / samples.size() * 1000) / 1000.0;
        List<Result> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Score s = scores.get(i);
            out.add(new Result(samples.get(i).problem().id(), s.failed() ? Optional.empty() : Optional.of(s.reward()),
                    s.failed() ? Optional.empty() : Optional.of(s.correct()), s.failed() ? Optional.of(s.error()) : Optional.empty(),
                    millis, s.message(), s.steps()));
        }
        return out;
    }

    /** Totals of {@code results}, which took {@code seconds}. */
    public static Summary summarize(List<Result> results, double seconds) {
        int correct = 0, errors = 0;
        double sum = 0;
        for (Result r : results) {
            if (r.error().isPresent()) errors++;
            else {
                sum += r.score().orElseThrow();
                if (r.correct().orElseThrow()) correct++;
            }
        }
        int scored = results.size() - errors;
        return new Summary(results.size(), correct, errors, scored == 0 ? 0 : sum / scored, seconds);
    }

    /** Calls that failed and contexts or processes replaced, for a Python reward; empty for a verifier. */
    public Optional<PythonReward.Stats> pythonStats() {
        return reward instanceof PythonReward p ? Optional.of(p.stats()) : Optional.empty();
    }

    @Override
    public void close() {
        if (reward instanceof PythonReward p) p.close();
    }
}
