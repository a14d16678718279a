package io.autodidact.run;

import io.autodidact.curriculum.Curricula;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.Generation;
import io.autodidact.engine.Objective;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.loop.Curriculum;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.PreferencePair;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.RewardStats;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.Stage;
import io.autodidact.loop.Workload;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.store.JournalEntry;
import io.autodidact.store.Report;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Drives one run through BOOTSTRAP and EVALUATE (iteration 0), then GENERATE, SCORE, SELECT, TRAIN,
 * EVALUATE per iteration under a {@link Recipe}. Each stage's output is durable before its journal line
 * is written, and the journal decides what is left to do, so a run killed at any point (kill -9
 * included) resumes without redoing finished stages or losing or duplicating a rollout: GENERATE is
 * journaled per part, and every random choice is seeded by (run seed, iteration, part), so redone
 * work reproduces what it replaces.
 *
 * <p>Each TRAIN starts from a checkpoint on disk with a fresh optimizer, which is what makes a
 * resumed run identical to an uninterrupted one. For the same reason everything decided before an iteration
 * generates (the curriculum's state, hence its problems, and the recipe's controls) is journaled by PLAN and read
 * back from the journal, never kept only in memory.
 */
public final class LoopRunner {
    private final RunDirectory dir;
    private final RunSpec spec;
    private final Workload workload;
    private final Recipe recipe;
    private final EngineFactory engines;
    private final LoopEvents events;
    private final java.util.Optional<ReplaySource> replay;

    private final Optional<Curriculum> curriculum;
    private final Optional<Reward> ownReward;
    // Read by the ahead generation's thread too (generate.max_staleness: 1).
    private final Map<Integer, List<Problem>> problemsOf = new java.util.concurrent.ConcurrentHashMap<>();

    private PolicyEngine policy;
    private int policyIteration = -1;
    // The generator running ahead of training, if any: GENERATE stops at its next part once the run has stopped.
    private volatile Optional<AheadGeneration> aheadRun = Optional.empty();

    /** @throws IllegalArgumentException when the recipe cannot work on this workload (e.g. no way to read answers) */
    public LoopRunner(RunDirectory dir, RunSpec spec, Workload workload, Recipe recipe, EngineFactory engines, LoopEvents events) {
        this(dir, spec, workload, recipe, engines, events, java.util.Optional.empty());
    }

    /** A runner whose GENERATE copies each iteration's rollouts from {@code replay} instead of sampling (see {@link Replay}). */
    public LoopRunner(RunDirectory dir, RunSpec spec, Workload workload, Recipe recipe, EngineFactory engines, LoopEvents events,
            java.util.Optional<ReplaySource> replay) {
        this.replay = replay;
        this.dir = dir;
        this.spec = spec;
        this.workload = workload;
        this.recipe = recipe.inRun(dir.root(), engines);
        this.engines = engines;
        this.events = events;
        this.curriculum = spec.curriculum().map(Curricula::of);
        this.ownReward = recipe.ownReward(workload.answers());
    }

    /** Runs (or resumes) to the end and returns the summary written to {@code summary.json}. */
    public Map<String, Object> run() {
        long start = System.nanoTime();
        try (BufferAllocator allocator = new RootAllocator()) {
            RolloutFiles rollouts = dir.rollouts(allocator);
            bootstrap();
            Optional<AheadGeneration> ahead = generateAhead(rollouts);
            aheadRun = ahead;
            try {
                if (!done(0, Stage.EVALUATE)) evaluate(0);
                for (int it = 1; it <= spec.iterations(); it++) {
                    if (done(it, Stage.EVALUATE)) continue;
                    int current = it;
                    if (ahead.isPresent()) {
                        ahead.get().awaitGenerated(it);
                    } else {
                        if (!done(it, Stage.PLAN)) plan(it, rollouts, () -> policyAt(current - 1));
                        if (!done(it, Stage.GENERATE))
                            generate(it, recipe.configured(controls(it)), problems(it, rollouts), rollouts, () -> policyAt(current - 1), it - 1);
                    }
                    Recipe planned = recipe.configured(controls(it));
                    List<Problem> problems = problems(it, rollouts);
                    if (!done(it, Stage.SCORE)) score(it, problems, rollouts);
                    if (!done(it, Stage.SELECT)) select(it, planned, problems, rollouts);
                    ahead.ifPresent(a -> a.selected(current));
                    if (!done(it, Stage.TRAIN)) train(it, planned, rollouts);
                    ahead.ifPresent(a -> a.trained(current));
                    evaluate(it);
                }
            } finally {
                ahead.ifPresent(AheadGeneration::stop);
            }
        } finally {
            if (policy != null) policy.close();
            policy = null;
        }
        Map<String, Object> summary = summary((System.nanoTime() - start) / 1e9);
        dir.writeSummary(summary);
        Report.write(dir);
        return summary;
    }

    private boolean done(int iteration, Stage stage) {
        return dir.journal().isDone(iteration, stage.name());
    }

    private void record(int iteration, Stage stage, long startNanos, Map<String, Object> data) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Object> d = new LinkedHashMap<>(data);
        d.put("seconds", seconds);
        dir.journal().recordStage(iteration, stage.name(), d);
        events.stageFinished(iteration, stage, seconds);
    }

    private Path checkpoint(int iteration) {
        return dir.checkpoints().directory(iteration);
    }

    /** Makes {@link #policy} hold the weights of the checkpoint of {@code iteration}. */
    private PolicyEngine policyAt(int iteration) {
        if (policyIteration != iteration) {
            if (!dir.checkpoints().isComplete(iteration))
                throw new IllegalStateException("run " + dir.root() + ": checkpoint of iteration " + iteration
                        + " is missing or incomplete although the journal says it was trained; the run directory was modified");
            if (policy != null) policy.close();
            policy = engines.load(checkpoint(iteration));
            policyIteration = iteration;
        }
        return policy;
    }

    // ------------------------------------------------------------------ BOOTSTRAP

    private void bootstrap() {
        if (done(0, Stage.BOOTSTRAP)) return;
        long t0 = System.nanoTime();
        PolicyEngine base = spec.model().checkpoint().isPresent()
                ? engines.load(spec.model().checkpoint().get())
                : engines.create(new EngineFactory.ModelShape(spec.model().hidden(), spec.model().layers(), spec.model().heads(),
                        spec.model().kvHeads(), spec.model().context()), new CharTokenizer(workload.alphabet()), spec.seed());
        double loss = Double.NaN;
        int steps = 0;
        if (spec.bootstrap().isPresent()) {
            var b = spec.bootstrap().get();
            List<TrainSequence> demos = demonstrations(base.tokenizer());
            if (demos.isEmpty())
                throw new IllegalArgumentException("bootstrap: the run has no demonstrations; give bootstrap.seed_file or remove bootstrap");
            // A policy asked to rationalize must have seen hints: STaR's few-shot exemplars carry them too.
            if (recipe.rationalizationSamples() > 0) demos.addAll(sequences(workload.hintedDemonstrations(), base.tokenizer()));
            demos.addAll(sequences(recipe.demonstrations(workload.demonstrations(), workload.mistakes()), base.tokenizer()));
            events.stageStarted(0, Stage.BOOTSTRAP, b.steps(), "steps");
            LrSchedule lr = new LrSchedule(b.schedule(), b.lr(), b.warmupSteps(), b.steps(), 0.2);
            SplittableRandom random = new SplittableRandom(mix(spec.seed(), 0, 1));
            double recent = 0;
            for (int s = 0; s < b.steps(); s++) {
                List<TrainSequence> batch = new ArrayList<>(b.batchSize());
                for (int i = 0; i < b.batchSize(); i++) batch.add(demos.get(random.nextInt(demos.size())));
                StepMetrics m = diverged(base.train(new TrainBatch(batch, lr.at(s))), "bootstrap", s, "bootstrap.lr");
                events.tokens(0, Stage.BOOTSTRAP, tokens(batch));
                recent = s == 0 ? m.loss() : 0.98 * recent + 0.02 * m.loss();
                events.progress(0, Stage.BOOTSTRAP, s + 1);
            }
            loss = recent;
            steps = b.steps();
        }
        base.save(checkpoint(0));
        dir.checkpoints().markComplete(0);
        policy = base;
        policyIteration = 0;
        record(0, Stage.BOOTSTRAP, t0, Map.of("steps", steps, "loss", Double.isNaN(loss) ? -1 : loss));
    }

    private List<TrainSequence> demonstrations(Tokenizer tokenizer) {
        return sequences(workload.demonstrations(), tokenizer);
    }

    private static List<TrainSequence> sequences(List<Demonstration> demonstrations, Tokenizer tokenizer) {
        List<TrainSequence> rows = new ArrayList<>();
        for (Demonstration d : demonstrations) {
            int[] p = tokenizer.encode(d.prompt()), c = tokenizer.encode(d.completion());
            int[] all = Arrays.copyOf(p, p.length + c.length + 1);
            System.arraycopy(c, 0, all, p.length, c.length);
            all[all.length - 1] = tokenizer.eosId();
            rows.add(new TrainSequence(all, p.length));
        }
        return rows;
    }

    // ------------------------------------------------------------------ PLAN

    /**
     * Fixes iteration {@code it}'s curriculum state (hence its problems) and the recipe's controls, and journals both.
     * A crash before the journal line redoes it with the same seeds and inputs.
     */
    private void plan(int it, RolloutFiles rollouts, java.util.function.Supplier<PolicyEngine> prober) {
        long t0 = System.nanoTime();
        events.stageStarted(it, Stage.PLAN, 1, "steps");
        Map<String, Object> data = new LinkedHashMap<>();
        List<Problem> problems = workload.problems(it, spec.seed());
        if (curriculum.isPresent()) {
            Map<String, Double> state = curriculum.get().state(it, it > 1 ? curriculumState(it - 1) : Map.of(), history(rollouts));
            problems = choose(it, state, rollouts);
            data.put("curriculum", new TreeMap<>(state));
        }
        List<Problem> chosen = problems;
        Map<String, Double> controls = recipe.plan(new Recipe.Planning() {
            @Override
            public int iteration() {
                return it;
            }

            @Override
            public long seed() {
                return mix(spec.seed(), it, -2);
            }

            @Override
            public int maxNewTokens() {
                return spec.generate().maxNewTokens();
            }

            @Override
            public int problems() {
                return chosen.size();
            }

            @Override
            public List<Rollout> probe(int count, SamplingParams params) {
                return LoopRunner.this.probe(it, chosen.subList(0, Math.min(count, chosen.size())), params, prober.get());
            }
        });
        data.put("controls", new TreeMap<>(controls));
        data.put("problems", problems.size());
        events.progress(it, Stage.PLAN, 1);
        record(it, Stage.PLAN, t0, data);
    }

    private List<Rollout> probe(int it, List<Problem> problems, SamplingParams params, PolicyEngine engine) {
        List<int[]> prompts = new ArrayList<>(problems.size());
        for (Problem p : problems) prompts.add(engine.tokenizer().encode(p.prompt()));
        List<Generation> gens = engine.generate(prompts, params);
        List<Sample> samples = new ArrayList<>(gens.size());
        for (Generation g : gens) samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
        List<Score> scores = workload.reward().score(samples);
        List<Rollout> out = new ArrayList<>(gens.size());
        for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            Score s = scores.get(i);
            out.add(new Rollout(it, problems.get(g.promptIndex()).id(), g.sampleIndex(), prompts.get(g.promptIndex()), g.tokens(), g.logprobs(),
                    g.text(), g.finishReason().name().toLowerCase(), params.temperature(), s.reward(), s.correct(), false, 0, s.error()));
        }
        return out;
    }

    private Map<String, Object> planData(int it) {
        return dir.journal().find(it, Stage.PLAN.name(), JournalEntry.WHOLE_STAGE).map(JournalEntry::data).orElse(Map.of());
    }

    private static Map<String, Double> numbers(Object value) {
        Map<String, Double> out = new TreeMap<>();
        if (value instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).doubleValue()));
        return out;
    }

    /** The recipe's controls for {@code it}, as journaled by PLAN. */
    private Map<String, Double> controls(int it) {
        return numbers(planData(it).get("controls"));
    }

    private Map<String, Double> curriculumState(int it) {
        return numbers(planData(it).get("curriculum"));
    }

    /** Iteration {@code it}'s problems: the workload's, or the curriculum's choice by the state PLAN journaled. */
    private List<Problem> problems(int it, RolloutFiles rollouts) {
        List<Problem> cached = problemsOf.get(it);
        if (cached != null) return cached;
        List<Problem> problems = curriculum.isPresent() ? choose(it, curriculumState(it), rollouts) : workload.problems(it, spec.seed());
        problemsOf.put(it, problems);
        return problems;
    }

    /** The curriculum's pick from a pool of candidates: the workload's problems for several seeds, the run's own first. */
    private List<Problem> choose(int it, Map<String, Double> state, RolloutFiles rollouts) {
        Curriculum c = curriculum.orElseThrow();
        int count = spec.task().problemsPerIteration();
        List<Problem> candidates = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int j = 0; j < c.poolFactor(); j++)
            for (Problem p : workload.problems(it, j == 0 ? spec.seed() : mix(spec.seed(), it, -100 - j)))
                if (ids.add(p.id())) candidates.add(p);
        return List.copyOf(c.choose(it, candidates, count, state, history(rollouts), mix(spec.seed(), it, -3)));
    }

    private Curriculum.History history(RolloutFiles rollouts) {
        return new Curriculum.History() {
            @Override
            public List<Problem> problems(int iteration) {
                return LoopRunner.this.problems(iteration, rollouts);
            }

            @Override
            public List<Rollout> rollouts(int iteration) {
                return rollouts.readIteration(iteration);
            }
        };
    }

    // ------------------------------------------------------------------ GENERATE

    /**
     * Samples iteration {@code it}'s parts from {@code generator}, the policy trained in iteration {@code version}: {@code it - 1},
     * or {@code it - 2} when generated ahead ({@link #generateAhead}). Each part's journal line records the version and the
     * staleness, {@code it - 1 - version}; the rollouts' logprobs are that policy's, the behaviour policy's.
     */
    private void generate(int it, Recipe recipe, List<Problem> problems, RolloutFiles rollouts, java.util.function.Supplier<PolicyEngine> generator,
            int version) {
        if (replay.isPresent()) {
            replayGenerate(it, problems, rollouts, replay.get());
            return;
        }
        long t0 = System.nanoTime();
        PolicyEngine engine = generator.get();
        int partSize = spec.generate().partProblems();
        int parts = (problems.size() + partSize - 1) / partSize;
        events.stageStarted(it, Stage.GENERATE, problems.size(), "problems");
        int samples = 0;
        for (int p = 0; p < parts; p++) {
            List<Problem> part = problems.subList(p * partSize, Math.min(problems.size(), (p + 1) * partSize));
            if (dir.journal().donePart(it, Stage.GENERATE.name(), p)) {
                events.progress(it, Stage.GENERATE, (long) Math.min(problems.size(), (p + 1) * partSize));
                continue;
            }
            if (aheadRun.map(AheadGeneration::stopping).orElse(false))
                throw new java.util.concurrent.CancellationException("run stopped; iteration " + it + " part " + p + " is generated on resume");
            List<int[]> prompts = new ArrayList<>(part.size());
            for (Problem pr : part) prompts.add(engine.tokenizer().encode(pr.prompt()));
            SamplingParams params = recipe.sampling(it, spec.generate().maxNewTokens(), mix(spec.seed(), it, p));
            List<Rollout> out;
            if (recipe.sampler().isPresent()) {
                out = recipe.sampler().get().sample(samplerContext(it, p, part, prompts, params, engine));
            } else {
                out = plainSamples(it, part, prompts, params, engine);
                if (recipe.rationalizationSamples() > 0) out.addAll(rationalize(it, p, part, prompts, out, params, engine));
            }
            Path file = rollouts.partFile(it, p);
            try {
                Files.deleteIfExists(file); // a part written just before a crash, never journaled: redo it
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            rollouts.write(it, p, out);
            dir.journal().recordPart(it, Stage.GENERATE.name(), p, Map.of("rollouts", out.size(), "policy", version, "staleness", it - 1 - version));
            samples += out.size();
            long generated = 0;
            for (Rollout r : out) generated += r.completionTokens().length;
            events.tokens(it, Stage.GENERATE, generated);
            events.partFinished(it, Stage.GENERATE, p);
            events.progress(it, Stage.GENERATE, (long) Math.min(problems.size(), (p + 1) * partSize));
        }
        record(it, Stage.GENERATE, t0, Map.of("parts", parts, "rollouts_this_session", samples, "policy", version, "staleness", it - 1 - version));
    }

    private static List<Rollout> plainSamples(int it, List<Problem> part, List<int[]> prompts, SamplingParams params, PolicyEngine engine) {
        List<Generation> gens = engine.generate(prompts, params);
        List<Rollout> out = new ArrayList<>(gens.size());
        for (Generation g : gens)
            out.add(new Rollout(it, part.get(g.promptIndex()).id(), g.sampleIndex(), prompts.get(g.promptIndex()), g.tokens(),
                    g.logprobs(), g.text(), g.finishReason().name().toLowerCase(), params.temperature(), 0, false, false, 0, ""));
        return out;
    }

    private Sampler.Context samplerContext(int it, int p, List<Problem> part, List<int[]> prompts, SamplingParams params, PolicyEngine engine) {
        List<Problem> problems = List.copyOf(part);
        List<int[]> tokenized = List.copyOf(prompts);
        return new Sampler.Context() {
            @Override public int iteration() { return it; }
            @Override public int part() { return p; }
            @Override public List<Problem> problems() { return problems; }
            @Override public List<int[]> prompts() { return tokenized; }
            @Override public SamplingParams params() { return params; }
            @Override public PolicyEngine policy() { return engine; }
            @Override public Workload workload() { return workload; }
            @Override public List<Rollout> plain() { return plainSamples(it, problems, tokenized, params, engine); }
        };
    }

    /**
     * STaR's rationalization for one part: problems none of whose samples the reward accepts are sampled again with
     * the answer as a hint. The samples keep the hint-free prompt (what they train under) and record the hint; their
     * indices follow the ordinary samples'. Seeded by the part, so a redone part redoes exactly this.
     */
    private List<Rollout> rationalize(int it, int p, List<Problem> part, List<int[]> prompts, List<Rollout> sampled, SamplingParams params,
                                      PolicyEngine engine) {
        Map<String, Problem> byId = new HashMap<>();
        for (Problem pr : part) byId.put(pr.id(), pr);
        List<Sample> samples = new ArrayList<>(sampled.size());
        for (Rollout r : sampled) samples.add(new Sample(byId.get(r.problemId()), r.text()));
        List<Score> scores = workload.reward().score(samples);
        java.util.Set<String> solved = new java.util.HashSet<>();
        for (int i = 0; i < sampled.size(); i++) if (scores.get(i).correct()) solved.add(sampled.get(i).problemId());
        List<Integer> failed = new ArrayList<>();
        List<int[]> hinted = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        for (int i = 0; i < part.size(); i++) {
            if (solved.contains(part.get(i).id())) continue;
            var h = workload.hintedPrompt(part.get(i));
            if (h.isEmpty()) continue;
            failed.add(i);
            hinted.add(engine.tokenizer().encode(h.get()));
            hints.add(h.get().substring(0, h.get().length() - part.get(i).prompt().length()));
        }
        if (failed.isEmpty()) return List.of();
        SamplingParams hintParams = SamplingParams.sample(recipe.rationalizationSamples(), params.temperature(), params.maxNewTokens(),
                mix(spec.seed(), it, p) ^ 0x68696E74L);
        List<Rollout> out = new ArrayList<>();
        for (Generation g : engine.generate(hinted, hintParams)) {
            int i = failed.get(g.promptIndex());
            out.add(new Rollout(it, part.get(i).id(), params.n() + g.sampleIndex(), prompts.get(i), g.tokens(), g.logprobs(), g.text(),
                    g.finishReason().name().toLowerCase(), hintParams.temperature(), 0, false, false, 0, "", hints.get(g.promptIndex())));
        }
        return out;
    }

    /** GENERATE of a replay: the source run's parts of this iteration, part by part and journaled as such, with no sampling. */
    private void replayGenerate(int it, List<Problem> problems, RolloutFiles rollouts, ReplaySource source) {
        long t0 = System.nanoTime();
        Map<String, Problem> byId = new HashMap<>();
        for (Problem p : problems) byId.put(p.id(), p);
        Tokenizer tokenizer = policyAt(it - 1).tokenizer();
        try (BufferAllocator allocator = new RootAllocator()) {
            List<Integer> parts = source.parts(it, allocator);
            events.stageStarted(it, Stage.GENERATE, parts.size(), "parts");
            int samples = 0;
            for (int i = 0; i < parts.size(); i++) {
                int p = parts.get(i);
                if (!dir.journal().donePart(it, Stage.GENERATE.name(), p)) {
                    List<Rollout> out = source.part(it, p, byId, tokenizer, allocator);
                    try {
                        Files.deleteIfExists(rollouts.partFile(it, p));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    rollouts.write(it, p, out);
                    dir.journal().recordPart(it, Stage.GENERATE.name(), p, Map.of("rollouts", out.size(), "replayed_from", source.runId()));
                    samples += out.size();
                    events.partFinished(it, Stage.GENERATE, p);
                }
                events.progress(it, Stage.GENERATE, i + 1);
            }
            record(it, Stage.GENERATE, t0, Map.of("parts", parts.size(), "rollouts_this_session", samples, "replayed_from", source.runId()));
        }
    }

    // ------------------------------------------------------------------ SCORE

    /**
     * Scores every rollout with the task's reward, or with the recipe's own reward ({@link Recipe#ownReward}), which
     * sees the problems without their answers; the task's reward then scores the same samples, when every problem has
     * an answer, only for the monitors: exploration on the training problems ({@code train_pass_at_k}: problems with a
     * correct sample; {@code train_distinct_correct}: distinct correct completions per problem) and how often the
     * recipe's labels are right. A part holds whole problems, so a reward that scores a problem's samples together
     * (a majority vote) sees all of them.
     */
    private void score(int it, List<Problem> problems, RolloutFiles rollouts) {
        long t0 = System.nanoTime();
        Map<String, Problem> byId = new HashMap<>();
        for (Problem p : problems) byId.put(p.id(), p);
        List<Integer> parts = rollouts.parts(it);
        events.stageStarted(it, Stage.SCORE, parts.size(), "parts");
        int generated = 0, correct = 0, errors = 0;
        ScoreMonitors monitors = new ScoreMonitors();
        List<Double> rewards = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<Rollout> part = rollouts.read(it, parts.get(i));
            List<Sample> samples = new ArrayList<>(part.size()), blind = new ArrayList<>(part.size());
            boolean labelled = true;
            for (Rollout r : part) {
                Problem problem = byId.get(r.problemId());
                if (problem == null)
                    throw new IllegalStateException("rollout of unknown problem " + r.problemId() + " in iteration " + it
                            + "; the task's problems changed since GENERATE");
                samples.add(new Sample(problem, r.text()));
                labelled &= problem.answer().isPresent();
                if (ownReward.isPresent()) blind.add(new Sample(withoutAnswer(problem), r.text()));
            }
            List<Score> truth = ownReward.isEmpty() || labelled ? workload.reward().score(samples) : List.of();
            List<Score> scores = ownReward.isPresent() ? ownReward.get().score(blind) : truth;
            List<Rollout> scored = new ArrayList<>(part.size());
            for (int j = 0; j < part.size(); j++) {
                Score s = scores.get(j);
                scored.add(part.get(j).withScore(s.reward(), s.correct(), s.error()));
                generated++;
                if (truth.isEmpty() ? s.correct() : truth.get(j).correct()) correct++;
                if (!s.error().isEmpty()) errors++;
                rewards.add(s.reward());
            }
            monitors.add(scored, truth);
            rollouts.rewrite(it, parts.get(i), scored);
            events.scored(it, part.size(), (int) scores.stream().filter(Score::failed).count());
            events.progress(it, Stage.SCORE, i + 1);
        }
        RewardStats stats = RewardStats.of(rewards.stream().mapToDouble(Double::doubleValue).toArray());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("generated", generated);
        data.put("correct", correct);
        data.put("errors", errors);
        data.put("reward", List.of(stats.count(), stats.mean(), stats.min(), stats.q1(), stats.median(), stats.q3(), stats.max()));
        Map<String, Double> m = monitors.values(ownReward.isPresent());
        if (!m.isEmpty()) data.put("monitors", m);
        record(it, Stage.SCORE, t0, data);
    }

    private static Problem withoutAnswer(Problem p) {
        return new Problem(p.id(), p.prompt(), Optional.empty(), p.category(), p.difficulty(), p.metadata());
    }

    /**
     * Counts behind SCORE's monitors, summed over parts. {@code truth} is the task's verdict per rollout (empty when
     * the problems have no answers); the rollouts' own {@code correct} is the recipe's label when it scores itself.
     */
    private static final class ScoreMonitors {
        int problems, solved, distinctCorrect, labelledProblems, labelledRight, labelledSamples, labelledSamplesRight;
        boolean anyTruth;

        void add(List<Rollout> scored, List<Score> truth) {
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int j = 0; j < scored.size(); j++) groups.computeIfAbsent(scored.get(j).problemId(), k -> new ArrayList<>()).add(j);
            anyTruth |= !truth.isEmpty();
            for (List<Integer> group : groups.values()) {
                problems++;
                Set<String> distinct = new HashSet<>();
                boolean labelled = false, labelRight = false;
                for (int j : group) {
                    boolean verified = truth.isEmpty() ? scored.get(j).correct() : truth.get(j).correct();
                    if (verified) distinct.add(scored.get(j).text());
                    if (scored.get(j).correct()) {
                        if (!labelled) labelRight = verified;
                        labelled = true;
                        labelledSamples++;
                        if (verified) labelledSamplesRight++;
                    }
                }
                if (!distinct.isEmpty()) solved++;
                distinctCorrect += distinct.size();
                if (labelled) labelledProblems++;
                if (labelled && labelRight) labelledRight++;
            }
        }

        Map<String, Double> values(boolean ownLabels) {
            Map<String, Double> m = new TreeMap<>();
            if (problems == 0) return m;
            if (!ownLabels || anyTruth) {
                m.put("train_pass_at_k", solved / (double) problems);
                m.put("train_distinct_correct", distinctCorrect / (double) problems);
            }
            if (ownLabels) {
                m.put("pseudo_label_rate", labelledProblems / (double) problems);
                if (anyTruth && labelledProblems > 0) {
                    m.put("pseudo_label_accuracy", labelledRight / (double) labelledProblems);
                    m.put("pseudo_label_precision", labelledSamplesRight / (double) labelledSamples);
                }
            }
            return m;
        }
    }

    // ------------------------------------------------------------------ SELECT

    private void select(int it, Recipe recipe, List<Problem> problems, RolloutFiles rollouts) {
        long t0 = System.nanoTime();
        List<Integer> parts = rollouts.parts(it);
        events.stageStarted(it, Stage.SELECT, parts.size(), "parts");
        List<Rollout> all = new ArrayList<>();
        int[] sizes = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            List<Rollout> part = rollouts.read(it, parts.get(i));
            sizes[i] = part.size();
            all.addAll(part);
        }
        Recipe.Selection selection = recipe.select(it, all, policyAt(it - 1));
        List<Rollout> selected = selection.rollouts();
        if (selected.size() != all.size())
            throw new IllegalStateException("recipe " + recipe.name() + " returned " + selected.size() + " rollouts for " + all.size());
        int offset = 0, kept = 0, keptHinted = 0;
        for (int i = 0; i < parts.size(); i++) {
            List<Rollout> slice = selected.subList(offset, offset + sizes[i]);
            for (Rollout r : slice)
                if (r.selected()) {
                    kept++;
                    if (r.hinted()) keptHinted++;
                }
            rollouts.rewrite(it, parts.get(i), slice);
            offset += sizes[i];
            events.progress(it, Stage.SELECT, i + 1);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("selected", kept);
        data.put("selected_hinted", keptHinted);
        // The selection's own monitors (computed with the policy) are prefixed select_; the recipe's are named as it names them.
        Map<String, Double> monitors = new TreeMap<>(recipe.monitors(it, selected));
        selection.monitors().forEach((k, v) -> monitors.put("select_" + k, v));
        verifiedMonitors(it, recipe, problems, selected).forEach((k, v) -> monitors.put("select_" + k, v));
        if (!monitors.isEmpty()) data.put("monitors", monitors);
        record(it, Stage.SELECT, t0, data);
    }

    /**
     * A self-scoring recipe's choice checked against the task's verifier, now that it is final: only with the recipe's
     * own reward and when every problem has an answer.
     */
    private Map<String, Double> verifiedMonitors(int it, Recipe recipe, List<Problem> problems, List<Rollout> selected) {
        if (ownReward.isEmpty() || selected.isEmpty()) return Map.of();
        Map<String, Problem> byId = new HashMap<>();
        for (Problem p : problems) byId.put(p.id(), p);
        List<Sample> samples = new ArrayList<>(selected.size());
        for (Rollout r : selected) {
            Problem p = byId.get(r.problemId());
            if (p == null || p.answer().isEmpty()) return Map.of();
            samples.add(new Sample(p, r.text()));
        }
        List<Boolean> verified = workload.reward().score(samples).stream().map(Score::correct).toList();
        return recipe.verifiedMonitors(it, selected, verified);
    }

    // ------------------------------------------------------------------ GENERATE ahead (generate.max_staleness: N >= 1)

    /**
     * With {@code generate.max_staleness: N}, PLAN and GENERATE run on their own thread ({@link AheadGeneration}), up to N
     * iterations ahead of training: iteration {@code k} samples from the newest checkpoint trained when it starts, at least
     * {@code k - 1 - N}, on its own copy of that policy. The policy-gradient ratio already corrects the staleness, since the
     * rollouts' logprobs are the generating policy's. Nothing runs ahead for a replay; iterations whose GENERATE is done
     * (before a crash) are skipped and parts done are kept, as in GENERATE.
     */
    private Optional<AheadGeneration> generateAhead(RolloutFiles rollouts) {
        int n = spec.generate().maxStaleness();
        if (n < 1 || replay.isPresent()) return Optional.empty();
        int first = 1;
        while (first <= spec.iterations() && done(first, Stage.GENERATE)) first++;
        if (first > spec.iterations()) return Optional.empty();
        int trained = 0, selected = 0;
        for (int it = 1; it <= spec.iterations(); it++) {
            if (done(it, Stage.TRAIN)) trained = it;
            if (done(it, Stage.SELECT)) selected = it;
        }
        return Optional.of(AheadGeneration.start(first, spec.iterations(), n, curriculum.isPresent(), trained, selected, new AheadWork(rollouts)));
    }

    /** The generator's work; it keeps the policy it last sampled from while the next iteration samples from the same version. */
    private final class AheadWork implements AheadGeneration.Work {
        private final RolloutFiles rollouts;
        private PolicyEngine engine;
        private int version = -1;

        AheadWork(RolloutFiles rollouts) {
            this.rollouts = rollouts;
        }

        @Override
        public void generate(int k, int policyVersion) {
            if (version != policyVersion) {
                close();
                engine = engines.load(checkpoint(policyVersion));
                version = policyVersion;
            }
            PolicyEngine stale = engine;
            if (!done(k, Stage.PLAN)) plan(k, rollouts, () -> stale);
            if (!done(k, Stage.GENERATE)) LoopRunner.this.generate(k, recipe.configured(controls(k)), problems(k, rollouts), rollouts, () -> stale, policyVersion);
        }

        @Override
        public void close() {
            if (engine != null) engine.close();
            engine = null;
            version = -1;
        }
    }

    // ------------------------------------------------------------------ TRAIN

    private void train(int it, Recipe recipe, RolloutFiles rollouts) {
        long t0 = System.nanoTime();
        Recipe.TrainPlan plan = recipe.trainPlan(it);
        Objective objective = plan.objective();
        int from = plan.restartFromBase() ? 0 : it - 1;
        PolicyEngine trainee = policyAt(from).fork(); // same weights, fresh optimizer: reproducible from disk
        List<TrainSequence> chosen = new ArrayList<>();
        // A pairwise objective trains on (chosen, rejected) rows, kept together: batches draw units of two rows.
        int unit = objective.pairwise() ? 2 : 1;
        List<Rollout> generated = new ArrayList<>();
        Map<String, Double> monitors = new TreeMap<>();
        StalenessStats staleness = new StalenessStats();
        for (int p : rollouts.parts(it)) {
            List<Rollout> part = rollouts.read(it, p);
            generated.addAll(part);
            partPolicy(it, p).ifPresent(version -> staleness.add(part, it - 1 - version));
        }
        if (spec.generate().maxStaleness() > 0) monitors.putAll(staleness.values());
        List<Rollout> trained = generated;
        if (objective.pairwise()) {
            trained = new ArrayList<>();
            for (var pair : PreferencePair.of(generated)) {
                if (pair.chosen().completionTokens().length == 0 || pair.rejected().completionTokens().length == 0) continue;
                trained.add(pair.chosen());
                trained.add(pair.rejected());
            }
        }
        for (Rollout r : trained) {
            if (!r.selected() || r.completionTokens().length == 0) continue;
            int[] all = Arrays.copyOf(r.promptTokens(), r.promptTokens().length + r.completionTokens().length);
            System.arraycopy(r.completionTokens(), 0, all, r.promptTokens().length, r.completionTokens().length);
            // SFT: an advantage of 0 means "no weight given" (1); a policy gradient takes the advantage as it is; a pair's is its mark.
            float w = objective.pairwise() ? 1f : objective.needsOldLogprobs() ? (float) r.advantage() : r.advantage() == 0 ? 1f : (float) r.advantage();
            TrainSequence row = new TrainSequence(all, r.promptTokens().length, w, new float[0]).withKlWeight(recipe.klWeight(it, r));
            // A hinted sample's old log-probabilities are the hinted prompt's: its ratio is off-policy (Guide).
            if (objective.needsOldLogprobs() && r.hinted()) row = row.asOffPolicy();
            chosen.add(objective.needsOldLogprobs() ? row.withOldLogprobs(r.logprobs()) : row);
        }
        if (objective.needsReferenceLogprobs() && !chosen.isEmpty())
            chosen = withReferenceLogprobs(chosen, objective.reference() == Objective.Reference.START ? from : 0);
        List<TrainSequence> demos = plan.demonstrationMix() > 0 ? demonstrations(trainee.tokenizer()) : List.of();
        double loss = Double.NaN;
        int units = chosen.size() / unit;
        int perEpoch = (units + plan.batchSize() - 1) / plan.batchSize();
        int steps = chosen.isEmpty() ? 0 : plan.byEpochs() ? plan.epochs() * perEpoch : plan.steps();
        events.stageStarted(it, Stage.TRAIN, steps, "steps");
        if (steps > 0) {
            SplittableRandom random = new SplittableRandom(mix(spec.seed(), it, -1));
            LrSchedule lr = new LrSchedule(plan.schedule(), plan.lr(), plan.warmupSteps(), steps, 0.2);
            int fromDemos = demos.isEmpty() ? 0 : (int) Math.round(plan.batchSize() * plan.demonstrationMix());
            int[] order = new int[units];
            for (int i = 0; i < order.length; i++) order[i] = i;
            double sum = 0;
            for (int s = 0; s < steps; s++) {
                List<TrainSequence> batch = new ArrayList<>(plan.batchSize() * unit);
                if (plan.byEpochs()) {
                    int at = (s % perEpoch) * plan.batchSize();
                    if (at == 0) shuffle(order, random);
                    for (int i = at; i < Math.min(order.length, at + plan.batchSize()); i++) batch.addAll(chosen.subList(order[i] * unit, (order[i] + 1) * unit));
                } else {
                    for (int i = 0; i < plan.batchSize(); i++) {
                        if (i < fromDemos) {
                            batch.add(demos.get(random.nextInt(demos.size())));
                        } else {
                            int u = random.nextInt(units);
                            batch.addAll(chosen.subList(u * unit, (u + 1) * unit));
                        }
                    }
                }
                StepMetrics m = diverged(trainee.train(new TrainBatch(batch, lr.at(s), objective)), "iteration " + it + " TRAIN", s, "recipe.lr");
                events.tokens(it, Stage.TRAIN, tokens(batch));
                sum += m.loss();
                m.monitors().forEach((k, v) -> monitors.merge(k, v / steps, Double::sum));
                events.progress(it, Stage.TRAIN, s + 1);
            }
            loss = sum / steps;
            if (objective.needsOldLogprobs()) monitors.putAll(advantageStats(chosen));
        }
        trainee.save(checkpoint(it));
        dir.checkpoints().markComplete(it);
        if (policy != null) policy.close();
        policy = trainee;
        policyIteration = it;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("steps", steps);
        data.put("loss", Double.isNaN(loss) ? -1 : loss);
        data.put("rows", chosen.size());
        if (!monitors.isEmpty()) data.put("monitors", monitors);
        record(it, Stage.TRAIN, t0, data);
    }

    /**
     * A step whose loss is not a number has left NaN or infinite weights, and every later sample and checkpoint would be
     * garbage (a base that diverged in BOOTSTRAP used to be evaluated at 0% and trained on regardless): stop the run
     * here, before anything is saved, naming the setting to lower.
     */
    static StepMetrics diverged(StepMetrics m, String where, int step, String lrField) {
        if (!Double.isFinite(m.loss()))
            throw new IllegalStateException(where + " diverged at step " + (step + 1) + ": the loss is " + m.loss()
                    + " (gradient norm " + m.gradNorm() + "); lower " + lrField + " (or lengthen its warmup) and start the run again");
        return m;
    }

    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The policy version that generated part {@code part} of {@code iteration}, as GENERATE journaled it; empty for a replayed part. */
    private Optional<Integer> partPolicy(int iteration, int part) {
        return dir.journal().find(iteration, Stage.GENERATE.name(), part)
                .flatMap(e -> e.data().get("policy") instanceof Number n ? Optional.of(n.intValue()) : Optional.empty());
    }

    /**
     * How stale the rollouts TRAIN learns from are (selected, with a completion): the versions between the policy that
     * generated each and the one being trained, as mean and max, logged per iteration as {@code train_staleness_*}.
     */
    private static final class StalenessStats {
        private long rows, sum;
        private int max;

        void add(List<Rollout> part, int staleness) {
            for (Rollout r : part) {
                if (!r.selected() || r.completionTokens().length == 0) continue;
                rows++;
                sum += staleness;
                max = Math.max(max, staleness);
            }
        }

        Map<String, Double> values() {
            return rows == 0 ? Map.of() : Map.of("staleness_mean", sum / (double) rows, "staleness_max", (double) max);
        }
    }

    /** The rows with the reference policy's log-probabilities: those of the checkpoint of {@code iteration}. */
    private List<TrainSequence> withReferenceLogprobs(List<TrainSequence> rows, int iteration) {
        try (PolicyEngine reference = engines.load(checkpoint(iteration))) {
            List<int[]> prompts = new ArrayList<>(rows.size()), completions = new ArrayList<>(rows.size());
            for (TrainSequence r : rows) {
                prompts.add(Arrays.copyOf(r.tokens(), r.completionStart()));
                completions.add(Arrays.copyOfRange(r.tokens(), r.completionStart(), r.tokens().length));
            }
            List<float[]> lp = reference.logprobs(prompts, completions);
            List<TrainSequence> out = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) out.add(rows.get(i).withRefLogprobs(lp.get(i)));
            return out;
        }
    }

    /** Mean, standard deviation and mean magnitude of the trained rows' advantages, and the share that is non-zero. */
    private static Map<String, Double> advantageStats(List<TrainSequence> rows) {
        double sum = 0, sq = 0, abs = 0, nonZero = 0;
        for (TrainSequence r : rows) {
            sum += r.weight();
            sq += r.weight() * (double) r.weight();
            abs += Math.abs(r.weight());
            if (r.weight() != 0) nonZero++;
        }
        int n = rows.size();
        double mean = sum / n;
        return Map.of("advantage_mean", mean, "advantage_std", Math.sqrt(Math.max(0, sq / n - mean * mean)),
                "advantage_abs_mean", abs / n, "advantage_nonzero", nonZero / n);
    }

    // ------------------------------------------------------------------ EVALUATE

    private void evaluate(int it) {
        long t0 = System.nanoTime();
        PolicyEngine engine = policyAt(it);
        var sets = workload.evalSets();
        int k = spec.eval().passK();
        events.stageStarted(it, Stage.EVALUATE, sets.size(), "sets");
        Map<String, Double> pass1 = new LinkedHashMap<>(), passK = new LinkedHashMap<>();
        int total = 0, totalCorrect = 0, done = 0;
        for (var e : sets.entrySet()) {
            List<Problem> problems = e.getValue();
            List<int[]> prompts = new ArrayList<>();
            for (Problem p : problems) prompts.add(engine.tokenizer().encode(p.prompt()));
            List<Generation> greedy = engine.generate(prompts, SamplingParams.greedy(spec.generate().maxNewTokens()));
            boolean[] ok = correct(problems, greedy);
            int c = 0;
            for (boolean b : ok) if (b) c++;
            pass1.put(e.getKey(), c / (double) problems.size());
            total += problems.size();
            totalCorrect += c;
            if (k > 0) {
                // A fixed seed for every iteration, so differences between iterations are the model's, not the dice's.
                var params = new SamplingParams(k, spec.eval().temperature(), 1, 0, spec.generate().maxNewTokens(), List.of(), mix(spec.seed(), -1, done));
                List<Generation> samples = engine.generate(prompts, params);
                boolean[] any = new boolean[problems.size()];
                boolean[] sampleOk = correct(problems, samples);
                for (int i = 0; i < samples.size(); i++) if (sampleOk[i]) any[samples.get(i).promptIndex()] = true;
                int solved = 0;
                for (boolean b : any) if (b) solved++;
                passK.put(e.getKey(), solved / (double) problems.size());
            }
            events.progress(it, Stage.EVALUATE, ++done);
        }
        double overall = total == 0 ? 0 : totalCorrect / (double) total;
        IterationMetrics metrics = metrics(it, overall, pass1, k, passK, t0);
        dir.metrics().append(metrics);
        record(it, Stage.EVALUATE, t0, Map.of("pass1", overall));
        events.iterationFinished(metrics);
    }

    private boolean[] correct(List<Problem> problems, List<Generation> gens) {
        List<Sample> samples = new ArrayList<>(gens.size());
        for (Generation g : gens) samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
        List<Score> scores = workload.reward().score(samples);
        boolean[] ok = new boolean[gens.size()];
        for (int i = 0; i < ok.length; i++) ok[i] = scores.get(i).correct();
        return ok;
    }

    @SuppressWarnings("unchecked")
    private IterationMetrics metrics(int it, double overall, Map<String, Double> pass1, int k, Map<String, Double> passK, long evalStart) {
        Map<String, Double> seconds = new TreeMap<>();
        int generated = 0, correct = 0, selected = 0;
        double trainLoss = Double.NaN;
        RewardStats reward = RewardStats.EMPTY;
        Map<String, Double> extra = new TreeMap<>();
        for (JournalEntry e : dir.journal().entries()) {
            if (e.iteration() != it || !e.isWholeStage()) continue;
            if (e.data().get("seconds") instanceof Number n) seconds.put(e.stage(), n.doubleValue());
            switch (e.stage()) {
                case "SCORE" -> {
                    generated = ((Number) e.data().get("generated")).intValue();
                    correct = ((Number) e.data().get("correct")).intValue();
                    List<Number> r = (List<Number>) e.data().get("reward");
                    reward = new RewardStats(r.get(0).intValue(), r.get(1).doubleValue(), r.get(2).doubleValue(), r.get(3).doubleValue(),
                            r.get(4).doubleValue(), r.get(5).doubleValue(), r.get(6).doubleValue());
                    extra.putAll(numbers(e.data().get("monitors")));
                }
                case "PLAN" -> {
                    extra.putAll(numbers(e.data().get("controls")));
                    numbers(e.data().get("curriculum")).forEach((key, v) -> extra.put("curriculum_" + key, v));
                    if (curriculum.isPresent() && e.data().get("problems") instanceof Number n) extra.put("curriculum_problems", n.doubleValue());
                }
                case "SELECT" -> {
                    selected = ((Number) e.data().get("selected")).intValue();
                    extra.putAll(numbers(e.data().get("monitors")));
                    if (recipe.rationalizationSamples() > 0 && e.data().get("selected_hinted") instanceof Number h)
                        extra.put("selected_rationalized", h.doubleValue());
                }
                case "TRAIN", "BOOTSTRAP" -> {
                    double l = ((Number) e.data().get("loss")).doubleValue();
                    trainLoss = l < 0 ? Double.NaN : l;
                    if (e.data().get("monitors") instanceof Map<?, ?> m)
                        m.forEach((key, v) -> extra.put("train_" + key, ((Number) v).doubleValue()));
                }
                default -> {}
            }
        }
        seconds.put(Stage.EVALUATE.name(), (System.nanoTime() - evalStart) / 1e9);
        return new IterationMetrics(it, overall, pass1, passK.isEmpty() ? 0 : k, passK, generated, correct, selected, trainLoss,
                reward, seconds, extra);
    }

    private Map<String, Object> summary(double wallSeconds) {
        List<IterationMetrics> all = dir.metrics().read();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run", dir.runId());
        s.put("recipe", recipe.name());
        s.put("iterations", spec.iterations());
        List<String> headline = spec.eval().headline().isEmpty() ? List.copyOf(workload.evalSets().keySet()) : spec.eval().headline();
        s.put("accuracy_sets", headline);
        s.put("base_accuracy", all.isEmpty() ? 0 : headline(all.getFirst(), headline));
        s.put("final_accuracy", all.isEmpty() ? 0 : headline(all.getLast(), headline));
        s.put("base_accuracy_all_sets", all.isEmpty() ? 0 : all.getFirst().evalPass1());
        s.put("final_accuracy_all_sets", all.isEmpty() ? 0 : all.getLast().evalPass1());
        List<Map<String, Object>> per = new ArrayList<>();
        for (IterationMetrics m : all) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("iteration", m.iteration());
            row.put("accuracy", headline(m, headline));
            row.put("accuracy_all_sets", m.evalPass1());
            row.put("accuracy_by_difficulty", m.evalPass1ByDifficulty());
            if (m.evalK() > 0) row.put("pass_at_" + m.evalK() + "_by_difficulty", m.evalPasskByDifficulty());
            row.put("samples_correct", m.samplesCorrect());
            row.put("samples_selected", m.samplesSelected());
            per.add(row);
        }
        s.put("per_iteration", per);
        double stageTotal = 0;
        for (JournalEntry e : dir.journal().entries())
            if (e.isWholeStage() && e.data().get("seconds") instanceof Number n) stageTotal += n.doubleValue();
        s.put("wall_seconds", wallSeconds);
        s.put("stage_seconds_total", stageTotal);
        s.put("report", dir.reportFile().toString());
        return s;
    }

    /** Mean pass@1 over the named sets (equal weight per set). */
    private static double headline(IterationMetrics m, List<String> sets) {
        double sum = 0;
        int n = 0;
        for (String set : sets) {
            Double v = m.evalPass1ByDifficulty().get(set);
            if (v != null) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? m.evalPass1() : sum / n;
    }

    private static long tokens(List<TrainSequence> batch) {
        long n = 0;
        for (TrainSequence t : batch) n += t.tokens().length;
        return n;
    }

    static long mix(long seed, int iteration, int part) {
        long h = seed * 0x9E3779B97F4A7C15L ^ (iteration + 0x632BE59BD9B4E019L) * 0xBF58476D1CE4E5B9L ^ (part + 0x2545F4914F6CDD1DL) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }
}
