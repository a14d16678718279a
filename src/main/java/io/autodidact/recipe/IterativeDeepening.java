package io.autodidact.recipe;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.TokenIds;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.Mistakes;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Iterative deepening sampling (the cheaper relative of tree search in ALGORITHMS.md, "ReST-MCTS*"): a sample whose answer
 * fails verification is not thrown away but continued: the reflection {@code cue} is appended to it and the policy goes on
 * generating from prompt + attempt + cue, up to {@code max_rounds} times while the model's context has room. The update is
 * STaR's: correct traces (first attempt, cue, continuation, as one completion) are kept and fine-tuned on.
 *
 * <pre>
 * for each sample y of x:
 *     for round in 1..max_rounds while y fails and prompt + y + cue fits the context:
 *         y <- y + cue + (a continuation sampled from pi(x, y, cue))
 * keep correct y (STaR), fine-tune
 * </pre>
 *
 * <p>The cue is inserted, not sampled: its tokens get log-probability 0 (log 1: the sampling process put them there with
 * certainty), so the stored log-probabilities stay the behaviour process's. SFT trains on every token of a kept trace,
 * cue included, which teaches the model to write the cue after an answer and to correct itself after it; the first
 * (wrong) attempt is trained too, as in a trace of its own. {@code {prompt}} in the cue stands for the problem's prompt,
 * so a cue can restate the question (on tasks whose alphabet cannot spell words such as addition's).
 * Not verified against a paper or reference code here (none was available): how published iterative deepening treats
 * the cue in training, and whether it continues only failed samples (at test time without a verifier it cannot).
 */
public final class IterativeDeepening implements Recipe {
    public static final String NAME = "iterative-deepening";
    public static final String DEFAULT_CUE = "\nWait, let me check.\n";

    public static final List<OptionDoc> OPTIONS = Stream.concat(
            Star.OPTIONS.stream().filter(o -> !o.name().startsWith("rationalize")),
            Stream.of(new OptionDoc("cue", "string", DEFAULT_CUE, "appended to a failed sample before it is continued; {prompt} is the problem's prompt"),
                    new OptionDoc("max_rounds", "integer", 1, "continuations per failed sample at most"),
                    new OptionDoc("deepening_demonstrations", "number", 0.0, "share of the task's demonstrations the base also learns as a "
                            + "continuation: the task's plausible mistake, the cue, then the right solution (the task must make mistakes, e.g. addition)")))
            .toList();

    private final Star star;
    private final String cue;
    private final int maxRounds;
    private final double demonstrationShare;
    private final Map<String, Object> resolved;

    public IterativeDeepening(Map<String, Object> options) {
        RecipeOptions.Split split = RecipeOptions.split(options, List.of("cue", "max_rounds", "deepening_demonstrations"));
        if (split.rest().containsKey("rationalize") || split.rest().containsKey("rationalize_samples"))
            throw RecipeOptions.error("rationalize", "iterative-deepening continues failed samples instead of hinting them; remove rationalize");
        star = new Star(split.rest());
        RecipeOptions o = new RecipeOptions(split.own());
        star.options().forEach((k, v) -> {
            if (!k.startsWith("rationalize")) o.put(k, v);
        });
        cue = o.string("cue", DEFAULT_CUE);
        if (cue.isEmpty()) throw RecipeOptions.error("cue", "must not be empty; it is what tells the model to check its answer");
        maxRounds = o.integer("max_rounds", 1, 1, 16);
        demonstrationShare = o.number("deepening_demonstrations", 0.0, 0, 1);
        resolved = o.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * With {@code deepening_demonstrations}: for that share of the task's demonstrations (a fixed choice), the continuation
     * the sampler asks for, x + (the task's plausible wrong solution) + cue -> the right solution, so that a base has seen
     * what to write after the cue. Without them a small base has never seen text after a finished answer: in seed 0 of
     * the reproduction not one of its continuations was correct, so STaR had no deepened trace to keep and learned
     * nothing of the format. The wrong attempt is in the prompt, so only the correction is trained.
     */
    @Override
    public List<Demonstration> demonstrations(List<Demonstration> task, Optional<Mistakes> mistakes) {
        if (demonstrationShare == 0) return List.of();
        Mistakes m = mistakes.orElseThrow(() -> RecipeOptions.error("deepening_demonstrations",
                "this run's task makes no plausible mistakes to continue from (the built-in addition task does); set it to 0"));
        java.util.SplittableRandom random = new java.util.SplittableRandom(0xDEE9);
        List<Demonstration> out = new ArrayList<>();
        for (Demonstration d : task) {
            if (random.nextDouble() >= demonstrationShare) continue;
            m.mistaken(d, random).ifPresent(wrong -> out.add(new Demonstration(d.prompt() + wrong + cue.replace("{prompt}", d.prompt()), d.completion())));
        }
        return out;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return star.sampling(iteration, maxNewTokens, seed);
    }

    @Override
    public Optional<Sampler> sampler() {
        return Optional.of(c -> deepen(c.policy(), c.problems(), c.plain(), c.workload().reward(), cue, maxRounds, c.params()));
    }

    /**
     * Continues every failing rollout of {@code sampled} (rollouts of {@code problems}) with the cue, up to {@code maxRounds}
     * times: the same rollouts, in order, the failed ones replaced by their deepened traces (unscored: the loop scores).
     *
     * @throws IllegalArgumentException naming {@code recipe.cue} when the cue cannot be written with the policy's tokenizer
     */
    public static List<Rollout> deepen(PolicyEngine policy, List<Problem> problems, List<Rollout> sampled, Reward reward, String cue, int maxRounds,
                                       SamplingParams params) {
        return deepenTraces(policy, problems, sampled, reward, cue, maxRounds, params).stream().map(Trace::rollout).toList();
    }

    /**
     * One deepened sample and what it cost.
     *
     * @param rounds         continuations it got (cues inserted)
     * @param sampledTokens  tokens the policy sampled for it: the first attempt (its end-of-sequence token included, though a
     *                       continued trace drops it) and every continuation; the inserted cues are not counted
     */
    public record Trace(Rollout rollout, int rounds, int sampledTokens) {}

    /** As {@link #deepen}, with each trace's rounds and sampled tokens (what an inference-time comparison at equal tokens needs). */
    public static List<Trace> deepenTraces(PolicyEngine policy, List<Problem> problems, List<Rollout> sampled, Reward reward, String cue,
                                           int maxRounds, SamplingParams params) {
        Map<String, Problem> byId = new HashMap<>();
        for (Problem p : problems) byId.put(p.id(), p);
        List<Rollout> out = new ArrayList<>(sampled);
        int[] rounds = new int[out.size()], spent = new int[out.size()];
        for (int i = 0; i < out.size(); i++) spent[i] = out.get(i).completionTokens().length;
        for (int round = 1; round <= maxRounds; round++) {
            List<Sample> samples = new ArrayList<>(out.size());
            for (Rollout r : out) samples.add(new Sample(byId.get(r.problemId()), r.text()));
            List<Score> scores = reward.score(samples);
            List<Integer> failing = new ArrayList<>();
            List<int[]> contexts = new ArrayList<>(), cues = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                if (scores.get(i).correct()) continue;
                Rollout r = out.get(i);
                String text = cue.replace("{prompt}", byId.get(r.problemId()).prompt());
                int[] cueTokens = encode(policy, text);
                int[] attempt = withoutEos(policy, r.completionTokens());
                int[] context = TokenIds.concat(r.promptTokens(), attempt, cueTokens);
                if (context.length >= policy.contextLength() - 1) continue; // no room left to write anything
                failing.add(i);
                contexts.add(context);
                cues.add(cueTokens);
            }
            if (failing.isEmpty()) break;
            SamplingParams one = SamplingParams.sample(1, params.temperature(), params.maxNewTokens(), params.seed() ^ (0x64656570L * round));
            for (Generation g : policy.generate(contexts, one)) {
                int i = failing.get(g.promptIndex());
                Rollout r = out.get(i);
                int[] attempt = withoutEos(policy, r.completionTokens());
                int[] cueTokens = cues.get(g.promptIndex());
                // The engine ends a sample at the context (PolicyEngine.generate), so the whole trace fits and can be trained.
                int[] continuation = g.tokens();
                int[] tokens = TokenIds.concat(attempt, cueTokens, continuation);
                float[] logprobs = new float[tokens.length];
                System.arraycopy(r.logprobs(), 0, logprobs, 0, attempt.length);
                System.arraycopy(g.logprobs(), 0, logprobs, attempt.length + cueTokens.length, continuation.length);
                String text = policy.tokenizer().decode(attempt) + policy.tokenizer().decode(cueTokens) + g.text();
                out.set(i, new Rollout(r.iteration(), r.problemId(), r.sampleIndex(), r.promptTokens(), tokens, logprobs, text,
                        g.finishReason().name().toLowerCase(), r.temperature(), 0, false, false, 0, "", r.hint()));
                rounds[i]++;
                spent[i] += g.tokens().length;
            }
        }
        List<Trace> traces = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) traces.add(new Trace(out.get(i), rounds[i], spent[i]));
        return traces;
    }

    private static int[] encode(PolicyEngine policy, String cue) {
        try {
            return policy.tokenizer().encode(cue);
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error("recipe.cue", "\"" + cue.replace("\n", "\\n") + "\" cannot be written with this task's tokenizer ("
                    + e.getMessage() + "); use the task's characters, e.g. cue: \"\\n{prompt}\" to restate the question");
        }
    }

    private static int[] withoutEos(PolicyEngine policy, int[] tokens) {
        boolean eos = tokens.length > 0 && policy.tokenizer().eosIds().contains(tokens[tokens.length - 1]);
        return eos ? java.util.Arrays.copyOf(tokens, tokens.length - 1) : tokens;
    }

    /** STaR's selection, with the deepening monitors: rounds per sample, first-attempt failures fixed by deepening, tokens per sample. */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        List<Rollout> out = star.select(iteration, scored);
        double rounds = 0, tokens = 0, failures = 0, fixed = 0;
        for (Rollout r : scored) {
            int n = rounds(policy, r);
            rounds += n;
            tokens += r.completionTokens().length;
            if (n > 0 || !r.correct()) failures++;
            if (n > 0 && r.correct()) fixed++;
        }
        int count = Math.max(1, scored.size());
        Map<String, Double> monitors = new LinkedHashMap<>();
        monitors.put("deepening_rounds", rounds / count);
        monitors.put("deepening_fixed_share", failures == 0 ? 0 : fixed / failures);
        monitors.put("tokens_per_sample", tokens / count);
        return new Selection(out, monitors);
    }

    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        return star.select(iteration, scored);
    }

    /** How many cues a trace holds: the continuations it got. */
    int rounds(PolicyEngine policy, Rollout r) {
        String prompt = policy.tokenizer().decode(r.promptTokens());
        String c = cue.replace("{prompt}", prompt);
        int n = 0;
        for (int at = r.text().indexOf(c); at >= 0; at = r.text().indexOf(c, at + c.length())) n++;
        return n;
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return star.trainPlan(iteration);
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
