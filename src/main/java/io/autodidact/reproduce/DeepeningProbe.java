package io.autodidact.reproduce;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.recipe.IterativeDeepening;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Iterative deepening as an inference mode against plain resampling at equal generated tokens, on the first
 * {@code perSet} problems of each headline eval set, for the base policy and each arm's final policy (figures prefixed
 * {@code base_} and the arm's label with dashes as underscores). The cue and {@code max_rounds} are the {@code deepening}
 * arm's recipe options.
 *
 * <p>Per policy: {@code n} plain samples per problem at the eval temperature. Deepening's first attempt is plain sample 0
 * (the same dice for both sides); a failed attempt is continued after the cue as the recipe does
 * ({@link IterativeDeepening#deepenTraces}). Both sides are judged by the task's reward, and deepening is also
 * <em>steered</em> by it: it continues only attempts the reward calls wrong, so it is oracle-verified at every round, as
 * pass@k (any of k samples correct) is. Tokens are the ones the policy sampled (prompts and inserted cues are not
 * counted, as resampling's re-read prompts are not). With deepening's mean tokens per problem T and plain resampling's
 * mean tokens per sample t, the plain side gets k = T / t samples; pass@k is the unbiased estimator
 * {@code 1 - C(n - c, k) / C(n, k)} at the integers around k, linearly interpolated: exactly the accuracy of drawing
 * ceil(k) samples with probability k - floor(k) and floor(k) otherwise, which spends k samples on average (k is capped
 * at n). Beside it, resampling with deepening's own stopping rule (up to 1 + max_rounds attempts, stopping at the first
 * correct one; samples 0.. in order): it separates what early stopping by the verifier buys from what continuing after
 * the failed attempt buys.
 */
record DeepeningProbe(String deepening, List<String> arms, int perSet, int n) implements Reproduction.Probe {
    static final String NAME = "deepening";

    DeepeningProbe {
        arms = List.copyOf(arms);
        if (!arms.contains(deepening)) throw new IllegalArgumentException("the deepening arm " + deepening + " must be one of the measured arms " + arms);
        if (perSet < 1) throw new IllegalArgumentException("perSet must be >= 1, got " + perSet);
        if (n < 2) throw new IllegalArgumentException("n must be >= 2 plain samples per problem, got " + n);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The figures' prefix for a policy: {@code base} or the arm's label with dashes as underscores. */
    static String prefix(String label) {
        return label.replace('-', '_');
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Double> measure(Reproduction.ProbeContext c) {
        Map<String, Object> recipe = RunDirectory.open(c.armDirs().get(deepening)).readRunConfig().get("recipe") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : Map.of();
        Map<String, Object> options = new LinkedHashMap<>(recipe);
        options.remove("name");
        IterativeDeepening resolved = new IterativeDeepening(options);
        String cue = (String) resolved.options().get("cue");
        int maxRounds = (Integer) resolved.options().get("max_rounds");
        if (n < maxRounds + 1)
            throw new IllegalArgumentException("the deepening probe needs n >= max_rounds + 1 = " + (maxRounds + 1) + " plain samples, got " + n);
        TaskWorkload workload = TaskWorkload.of(c.baseSpec());
        List<Problem> problems = new ArrayList<>();
        List<String> headline = c.baseSpec().eval().headline();
        workload.evalSets().forEach((set, all) -> {
            if (headline.isEmpty() || headline.contains(set)) problems.addAll(all.subList(0, Math.min(perSet, all.size())));
        });
        Map<String, Path> policies = new LinkedHashMap<>();
        policies.put("base", c.baseCheckpoint());
        for (String arm : arms) {
            RunDirectory run = RunDirectory.open(c.armDirs().get(arm));
            policies.put(arm, run.checkpoints().directory(run.checkpoints().completeIterations().getLast()));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("problems", (double) problems.size());
        out.put("n", (double) n);
        out.put("max_rounds", (double) maxRounds);
        for (var e : policies.entrySet())
            try (PolicyEngine policy = c.engines().load(e.getValue())) {
                Figures f = measure(policy, problems, workload.reward(), cue, maxRounds, c.baseSpec().eval().temperature(),
                        c.baseSpec().generate().maxNewTokens(), c.baseSpec().seed());
                f.put(prefix(e.getKey()), out);
            }
        return out;
    }

    /** What one policy did. */
    record Figures(double firstAttempt, double deepening, double deepeningTokens, double deepeningRounds, double plainTokensPerSample, double k,
                   double passAtK, double resampleUntilCorrect, double resampleUntilCorrectTokens) {
        void put(String prefix, Map<String, Double> out) {
            out.put(prefix + "_first_attempt", firstAttempt);
            out.put(prefix + "_deepening", deepening);
            out.put(prefix + "_deepening_tokens", deepeningTokens);
            out.put(prefix + "_deepening_rounds", deepeningRounds);
            out.put(prefix + "_plain_tokens_per_sample", plainTokensPerSample);
            out.put(prefix + "_k", k);
            out.put(prefix + "_pass_at_k", passAtK);
            out.put(prefix + "_resample_until_correct", resampleUntilCorrect);
            out.put(prefix + "_resample_until_correct_tokens", resampleUntilCorrectTokens);
        }
    }

    Figures measure(PolicyEngine policy, List<Problem> problems, Reward reward, String cue, int maxRounds, double temperature, int maxNewTokens,
                    long seed) {
        List<int[]> prompts = problems.stream().map(p -> policy.tokenizer().encode(p.prompt())).toList();
        long sampling = seed ^ 0x706C61696E4C4FL; // its own stream: not the eval's or the training samples'
        List<Generation> gens = policy.generate(prompts, SamplingParams.sample(n, temperature, maxNewTokens, sampling));
        List<Sample> samples = new ArrayList<>(gens.size());
        for (Generation g : gens) samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
        List<Score> scores = reward.score(samples);
        int[] correct = new int[problems.size()];
        long plainTokens = 0;
        List<Rollout> first = new ArrayList<>(problems.size());
        double resampled = 0, resampledTokens = 0;
        for (int p = 0; p < problems.size(); p++) {
            boolean found = false;
            for (int s = 0; s < n; s++) {
                int i = p * n + s; // generate returns prompt-major, sample-minor
                Generation g = gens.get(i);
                plainTokens += g.tokens().length;
                if (scores.get(i).correct()) correct[p]++;
                if (s <= maxRounds && !found) {
                    resampledTokens += g.tokens().length;
                    found = scores.get(i).correct();
                }
            }
            if (found) resampled++;
            Generation g = gens.get(p * n);
            first.add(new Rollout(0, problems.get(p).id(), 0, prompts.get(p), g.tokens(), g.logprobs(), g.text(),
                    g.finishReason().name().toLowerCase(), temperature, 0, false, false, 0, ""));
        }
        List<IterativeDeepening.Trace> traces = IterativeDeepening.deepenTraces(policy, problems, first, reward, cue, maxRounds,
                SamplingParams.sample(1, temperature, maxNewTokens, seed ^ 0x64656570656EL));
        List<Sample> finals = new ArrayList<>(traces.size());
        double deepTokens = 0, rounds = 0;
        for (int p = 0; p < traces.size(); p++) {
            finals.add(new Sample(problems.get(p), traces.get(p).rollout().text()));
            deepTokens += traces.get(p).sampledTokens();
            rounds += traces.get(p).rounds();
        }
        double deepCorrect = reward.score(finals).stream().filter(Score::correct).count();
        double count = problems.size();
        double perSample = plainTokens / (count * n);
        double k = Math.min(n, deepTokens / count / perSample);
        double firstAttempt = 0, atK = 0;
        for (int c : correct) {
            firstAttempt += c / (double) n;
            atK += passAtK(n, c, k);
        }
        return new Figures(firstAttempt / count, deepCorrect / count, deepTokens / count, rounds / count, perSample, k, atK / count,
                resampled / count, resampledTokens / count);
    }

    /**
     * The unbiased pass@k of a problem with {@code c} correct of {@code n} samples (Chen et al. 2021), for a real
     * {@code k} in [0, n]: linear between the integers around it (pass@0 = 0).
     */
    static double passAtK(int n, int c, double k) {
        if (!(k >= 0 && k <= n)) throw new IllegalArgumentException("k must be in [0, " + n + "], got " + k);
        int low = (int) Math.floor(k);
        double below = passAtK(n, c, low);
        return low == k ? below : below + (k - low) * (passAtK(n, c, low + 1) - below);
    }

    static double passAtK(int n, int c, int k) {
        if (k == 0) return 0;
        if (n - c < k) return 1;
        double none = 1; // C(n - c, k) / C(n, k) as a product, which stays in range
        for (int i = n - c + 1; i <= n; i++) none *= 1 - k / (double) i;
        return 1 - none;
    }
}
