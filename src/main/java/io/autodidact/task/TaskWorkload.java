package io.autodidact.task;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.Mistakes;
import io.autodidact.loop.Problem;
import io.autodidact.loop.RewardSpec;
import io.autodidact.loop.RunSpec;
import io.autodidact.python.CodeExecutionReward;
import io.autodidact.python.PythonReward;
import io.autodidact.python.PythonRewardSpec;
import io.autodidact.python.SandboxLimits;
import java.time.Duration;
import io.autodidact.loop.Workload;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Verifiers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A run's {@link Workload} from its config: a built-in task, or dataset files with a Java verifier; a
 * {@code task.reward} section (Python or code execution) replaces either's verifier.
 * Everything is read and validated here, before any work starts, so a bad row fails the run at once.
 */
public final class TaskWorkload implements Workload {
    private final RunSpec.TaskSpec spec;
    private final BuiltInTask builtIn;
    private final List<Problem> dataset;
    private final SequencedMap<String, List<Problem>> evalSets;
    private final List<Demonstration> demonstrations;
    private final Reward reward;
    private final long hintSeed;

    private TaskWorkload(RunSpec.TaskSpec spec, BuiltInTask builtIn, List<Problem> dataset,
            SequencedMap<String, List<Problem>> evalSets, List<Demonstration> demonstrations, Reward reward, long hintSeed) {
        this.spec = spec;
        this.builtIn = builtIn;
        this.dataset = dataset;
        this.evalSets = evalSets;
        this.demonstrations = demonstrations;
        this.reward = reward;
        this.hintSeed = hintSeed;
    }

    public static TaskWorkload of(RunSpec run) {
        RunSpec.TaskSpec t = run.task();
        List<Demonstration> demos = new ArrayList<>();
        if (t.builtIn().isPresent()) {
            BuiltInTask task;
            try {
                task = Tasks.named(t.builtIn().get(), t.options());
            } catch (IllegalArgumentException e) {
                throw ConfigMap.error("task", e.getMessage());
            }
            SequencedMap<String, List<Problem>> sets = new LinkedHashMap<>();
            for (EvalSet s : task.evalSets(run.eval().perDifficulty())) {
                int d = Integer.parseInt(s.name().replaceAll("\\D", ""));
                if (d >= t.minDifficulty() && d <= Math.min(t.maxDifficulty(), task.maxDifficulty())) sets.put(String.valueOf(d), s.problems());
            }
            run.bootstrap().ifPresent(b -> {
                if (b.seedFile().isPresent()) demos.addAll(readSeed(b.seedFile().get()));
                else for (SeedExample e : task.seedExamples(b.examples(), run.seed())) demos.add(new Demonstration(e.prompt(), e.completion()));
            });
            return new TaskWorkload(t, task, List.of(), sets, demos, t.reward().map(TaskWorkload::reward).orElse(task.verifier()), run.seed());
        }
        List<Problem> problems = ProblemReader.read(t.dataset().get());
        SequencedMap<String, List<Problem>> sets = new LinkedHashMap<>();
        if (t.evalDataset().isPresent()) {
            TreeMap<String, List<Problem>> byDifficulty = new TreeMap<>();
            for (Problem p : ProblemReader.read(t.evalDataset().get())) {
                String key = p.difficulty().isPresent() ? formatDifficulty(p.difficulty().getAsDouble()) : "all";
                byDifficulty.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
            }
            sets.putAll(byDifficulty);
        }
        for (Problem p : problems)
            if (p.answer().isEmpty())
                throw ConfigMap.error("task.dataset", "problem " + p.id() + " in " + t.dataset().get() + " has no answer; the verifier needs one");
        run.bootstrap().ifPresent(b -> {
            if (b.seedFile().isEmpty())
                throw ConfigMap.error("bootstrap.seed_file", "a dataset task has no built-in demonstrations; give a seed file (prompt, completion)");
            demos.addAll(readSeed(b.seedFile().get()));
        });
        Reward verifier;
        if (t.reward().isPresent()) verifier = reward(t.reward().get());
        else try {
            verifier = Verifiers.named(t.verifier(), t.verifierOptions());
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error("task.verifier", e.getMessage());
        }
        return new TaskWorkload(t, null, problems, sets, demos, verifier, run.seed());
    }

    /**
     * A Python or code-execution reward, loaded now so that a syntax error fails the run before any work. Its
     * contexts and sandbox processes live as long as the JVM (children exit when it does).
     */
    private static Reward reward(RewardSpec r) {
        SandboxLimits limits = new SandboxLimits(Duration.ofMillis(r.timeoutMs()), SandboxLimits.DEFAULT.maxOutputBytes(), r.heapMb());
        int workers = r.workers() > 0 ? r.workers() : PythonRewardSpec.defaultWorkers(r.untrusted());
        try {
            if (r.codeExecution()) return CodeExecutionReward.create(limits, workers, r.cacheSize());
            return PythonReward.open(new PythonRewardSpec(r.python().orElseThrow(), r.module(), r.function(), r.untrusted(), limits,
                    r.batch(), workers, r.cacheSize()));
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error(r.codeExecution() ? "task.reward.code_execution" : "task.reward.python", e.getMessage());
        }
    }

    private static String formatDifficulty(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static List<Demonstration> readSeed(java.nio.file.Path file) {
        List<Demonstration> out = new ArrayList<>();
        for (SeedExample e : SeedReader.read(file)) out.add(new Demonstration(e.prompt(), e.completion()));
        return out;
    }

    @Override
    public List<Problem> problems(int iteration, long seed) {
        long s = seed * 1_000_003L + iteration;
        if (builtIn != null)
            return builtIn.problems(spec.problemsPerIteration(), spec.minDifficulty(), Math.min(spec.maxDifficulty(), builtIn.maxDifficulty()), s);
        if (dataset.size() <= spec.problemsPerIteration()) return dataset;
        List<Problem> shuffled = new ArrayList<>(dataset);
        Collections.shuffle(shuffled, new java.util.Random(new SplittableRandom(s).nextLong()));
        return List.copyOf(shuffled.subList(0, spec.problemsPerIteration()));
    }

    @Override
    public SequencedMap<String, List<Problem>> evalSets() {
        return evalSets;
    }

    @Override
    public List<Demonstration> demonstrations() {
        return demonstrations;
    }

    @Override
    public Optional<Mistakes> mistakes() {
        return builtIn == null ? Optional.empty() : builtIn.mistakes();
    }

    @Override
    public boolean supportsHints() {
        return builtIn != null && builtIn.hintedPrompt("", "0").isPresent();
    }

    @Override
    public Optional<String> hintedPrompt(Problem problem) {
        if (builtIn == null || problem.answer().isEmpty()) return Optional.empty();
        return builtIn.hintedPrompt(problem.prompt(), problem.answer().get());
    }

    /** A quarter as many as the built-in demonstrations, drawn from another stream of the task's seed examples. */
    @Override
    public List<Demonstration> hintedDemonstrations() {
        if (builtIn == null || demonstrations.isEmpty()) return List.of();
        List<Demonstration> out = new ArrayList<>();
        for (SeedExample e : builtIn.hintedSeedExamples(Math.max(1, demonstrations.size() / 4), hintSeed))
            out.add(new Demonstration(e.prompt(), e.completion()));
        return out;
    }

    @Override
    public Reward reward() {
        return reward;
    }

    @Override
    public Optional<io.autodidact.loop.AnswerReader> answers() {
        return builtIn == null ? Optional.empty() : Optional.of(builtIn::answerOf);
    }

    @Override
    public String alphabet() {
        if (builtIn != null) return builtIn.alphabet();
        // A fresh model on a dataset: every character of prompts, answers and demonstrations.
        StringBuilder chars = new StringBuilder();
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (Problem p : dataset) p.prompt().codePoints().forEach(seen::add);
        for (Demonstration d : demonstrations) {
            d.prompt().codePoints().forEach(seen::add);
            d.completion().codePoints().forEach(seen::add);
        }
        for (List<Problem> set : evalSets.values()) for (Problem p : set) p.prompt().codePoints().forEach(seen::add);
        seen.forEach(chars::appendCodePoint);
        return chars.toString();
    }
}
