package io.autodidact.recipe;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
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
 * Guide (Nath et al. 2025, <i>Adaptive Guidance Accelerates Reinforcement Learning of Reasoning Models</i>): GRPO whose
 * problems that fail every one of their K samples are sampled K more times with the answer as a hint; the hinted group
 * trains, as if the hint had not been there, when its accuracy is strictly between 0 and 1.
 *
 * <pre>
 * for each problem x:
 *     Y <- K samples of pi_old(x)
 *     if accuracy(Y) <= 0.001 and x has a hint h:
 *         Y_h <- K samples of pi_old(h, x)                 stored with the prompt x and old log pi_old(y | h, x)
 *         keep Y_h (group advantages within Y_h) iff 0 < accuracy(Y_h) < 1; the failed Y trains with advantage 0
 * train: on-policy rows -min(rho A, clip(rho) A); hinted rows -(rho / (rho + gamma)) A, unclipped,
 *        rho = pi(y | x) / pi_old(y | h, x), gamma the gamma_percentile quantile of those rho in the micro-batch
 * </pre>
 *
 * <p>Checked against the reference code (vaskar-open-source-research/guide_rl, read on 2026-11-23):
 * <ul>
 * <li>{@code core_algos.py compute_policy_loss}, {@code gamma_strategy == "percentile"}: {@code gamma = torch.quantile(ratio[off],
 *     gamma_value).clamp(min=1e-4).detach()}, off-policy ratios become {@code ratio / (ratio + gamma)} and skip the clip
 *     ({@code torch.where(on_policy_mask, clamp(ratio), ratio)}); verified, and so implemented (Java and Python kernels).
 *     Two differences on purpose: the reference takes the quantile over every position of the off-policy rows, padding
 *     included, where we take only completion tokens; and its micro-batch is one row per GPU
 *     ({@code ppo_micro_batch_size_per_gpu=1} in {@code guide_grpo_qwen.sh}), so its gamma is per row in practice, ours per
 *     micro-batch (the loop trains each minibatch as one).</li>
 * <li>{@code dp_actor.py compute_log_prob} with {@code importance_weighted_reroll=True} computes the old log-probabilities
 *     from {@code prompt_variant_input_ids} (the hinted prompt) while the update's new ones use {@code input_ids} (the plain
 *     prompt): verified; our hinted rollouts keep the hinted behaviour log-probabilities from generation.</li>
 * <li>{@code ray_trainer.py _roll_with_prompt_variant} and {@code _apply_filters}: groups with accuracy {@code <= reroll_threshold}
 *     (0.001) are resampled with the hint prompt, and a hinted group is kept when its accuracy lies in
 *     [{@code hint_accuracy_lower_bound}, {@code hint_accuracy_upper_bound}] = [0.001, 0.999], i.e. strictly between 0 and 1
 *     with K = 8: verified. The reference also drops every plain group outside [0.001, 0.999] (its {@code filter_accuracy}:
 *     DAPO's dynamic sampling) and refills the batch from further problems; here {@code dynamic_sampling} leaves such groups
 *     unselected and the batch is not refilled. Its optional {@code mixin} (replace failed hinted samples by failed plain
 *     ones) is off in the paper's scripts and not implemented.</li>
 * <li>Paper settings in {@code guide_grpo_qwen.sh}: n = 8, clip_ratio 0.2, lr 1e-6, no KL, gamma_value 0.9: our defaults
 *     except the learning rate, which is Grpo's (1e-4) for the tiny models here. The paper's text itself was not
 *     available here (not verified beyond the code).</li>
 * </ul>
 */
public final class Guide implements Recipe {
    public static final String NAME = "guide";

    /** A group whose accuracy is at most this failed (the reference's {@code reroll_threshold}). */
    static final double FAILED = 0.001;

    public static final List<OptionDoc> OPTIONS = Stream.concat(Grpo.OPTIONS.stream(), Stream.of(
            new OptionDoc("hint_samples", "integer", 0, "samples drawn with the hint for a problem whose K samples all failed (0 = samples)"),
            new OptionDoc("gamma_percentile", "number", 0.9, "gamma of the off-policy shaping rho / (rho + gamma): this quantile of the hinted ratios"))).toList();

    private final Grpo grpo;
    private final int hintSamples;
    private final double gammaPercentile;
    private final Map<String, Object> resolved;

    public Guide(Map<String, Object> options) {
        RecipeOptions.Split split = RecipeOptions.split(options, List.of("hint_samples", "gamma_percentile"));
        grpo = new Grpo(split.rest());
        RecipeOptions o = new RecipeOptions(split.own());
        grpo.options().forEach(o::put);
        int k = (int) grpo.options().get("samples");
        int hints = o.integer("hint_samples", 0, 0, 1024);
        hintSamples = hints == 0 ? k : hints;
        if (hintSamples < 2)
            throw RecipeOptions.error("hint_samples", "must be >= 2 so that a hinted group can have mixed rewards, got " + hintSamples);
        o.put("hint_samples", hintSamples);
        gammaPercentile = o.number("gamma_percentile", 0.9, 0, 1);
        resolved = o.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return grpo.sampling(iteration, maxNewTokens, seed);
    }

    /**
     * Guide draws this many hinted samples per failed problem, as STaR's rationalization does; saying so makes the loop
     * check that the task has a hint format and bootstrap a base policy on hinted demonstrations too, so it can read a hint.
     * The sampling itself is {@link #sample}'s, not the loop's rationalization.
     */
    @Override
    public int rationalizationSamples() {
        return hintSamples;
    }

    @Override
    public Optional<Sampler> sampler() {
        return Optional.of(this::sample);
    }

    /**
     * The plain group of every problem, then {@code hint_samples} hinted samples of each problem all of whose plain samples
     * failed and that has a hint. Hinted samples follow the plain ones' indices and keep the plain prompt's tokens.
     */
    List<Rollout> sample(Sampler.Context context) {
        List<Rollout> plain = context.plain();
        List<Problem> problems = context.problems();
        Map<String, Problem> byId = new HashMap<>();
        for (Problem p : problems) byId.put(p.id(), p);
        List<Sample> samples = new ArrayList<>(plain.size());
        for (Rollout r : plain) samples.add(new Sample(byId.get(r.problemId()), r.text()));
        List<Score> scores = context.score(samples);
        Map<String, int[]> correctOfTotal = new HashMap<>();
        for (int i = 0; i < plain.size(); i++) {
            int[] ct = correctOfTotal.computeIfAbsent(plain.get(i).problemId(), id -> new int[2]);
            if (scores.get(i).correct()) ct[0]++;
            ct[1]++;
        }
        List<Integer> failed = new ArrayList<>();
        List<int[]> hintedPrompts = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        PolicyEngine policy = context.policy();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            int[] ct = correctOfTotal.get(p.id());
            if (ct == null || ct[0] / (double) ct[1] > FAILED) continue;
            Optional<String> hinted = context.workload().hintedPrompt(p);
            if (hinted.isEmpty()) continue;
            String h = hinted.get();
            failed.add(i);
            hintedPrompts.add(policy.tokenizer().encode(h));
            hints.add(h.endsWith(p.prompt()) && h.length() > p.prompt().length() ? h.substring(0, h.length() - p.prompt().length()) : h);
        }
        List<Rollout> out = new ArrayList<>(plain);
        if (failed.isEmpty()) return out;
        SamplingParams params = context.params();
        SamplingParams hintParams = SamplingParams.sample(hintSamples, params.temperature(), params.maxNewTokens(), params.seed() ^ 0x6775696465L);
        for (Generation g : policy.generate(hintedPrompts, hintParams)) {
            int i = failed.get(g.promptIndex());
            out.add(new Rollout(context.iteration(), problems.get(i).id(), params.n() + g.sampleIndex(), context.prompts().get(i), g.tokens(),
                    g.logprobs(), g.text(), g.finishReason().name().toLowerCase(), hintParams.temperature(), 0, false, false, 0, "",
                    hints.get(g.promptIndex())));
        }
        return out;
    }

    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        return select(iteration, scored, null).rollouts();
    }

    /**
     * Plain groups as GRPO selects them; a hinted group is kept, with advantages within it, only when its accuracy is
     * strictly between 0 and 1. Monitors: the share of problems with a learning signal (a non-zero advantage) from the plain
     * groups alone and with guidance, problems resampled with a hint and hinted groups kept.
     */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        List<Integer> plainAt = new ArrayList<>(), hintedAt = new ArrayList<>();
        for (int i = 0; i < scored.size(); i++) (scored.get(i).hinted() ? hintedAt : plainAt).add(i);
        Rollout[] out = new Rollout[scored.size()];
        List<Rollout> plainOut = grpo.select(iteration, plainAt.stream().map(scored::get).toList());
        for (int j = 0; j < plainAt.size(); j++) out[plainAt.get(j)] = plainOut.get(j);
        Map<String, List<Integer>> hintedGroups = new LinkedHashMap<>();
        for (int i : hintedAt) hintedGroups.computeIfAbsent(scored.get(i).problemId(), id -> new ArrayList<>()).add(i);
        int kept = 0;
        for (List<Integer> group : hintedGroups.values()) {
            List<Rollout> rows = group.stream().map(scored::get).toList();
            List<Rollout> marked = keeps(rows) ? grpo.select(iteration, rows) : rows.stream().map(r -> r.withAdvantage(0).withSelected(false)).toList();
            if (keeps(rows)) kept++;
            for (int j = 0; j < group.size(); j++) out[group.get(j)] = marked.get(j);
        }
        List<Rollout> all = List.of(out);
        Map<String, Boolean> plainSignal = new LinkedHashMap<>(), guidedSignal = new LinkedHashMap<>();
        for (Rollout r : all) {
            boolean signal = r.selected() && r.advantage() != 0;
            if (!r.hinted()) plainSignal.merge(r.problemId(), signal, Boolean::logicalOr);
            guidedSignal.merge(r.problemId(), signal, Boolean::logicalOr);
        }
        double problems = Math.max(1, guidedSignal.size());
        Map<String, Double> monitors = new LinkedHashMap<>();
        monitors.put("signal_share_plain", plainSignal.values().stream().filter(b -> b).count() / problems);
        monitors.put("signal_share_guided", guidedSignal.values().stream().filter(b -> b).count() / problems);
        monitors.put("hinted_groups", (double) hintedGroups.size());
        monitors.put("hinted_groups_kept", (double) kept);
        return new Selection(all, monitors);
    }

    /** The keep rule for a hinted group: accuracy strictly between 0 and 1. */
    static boolean keeps(List<Rollout> group) {
        long correct = group.stream().filter(r -> r.correct() && r.error().isEmpty()).count();
        return correct > 0 && correct < group.size();
    }

    /** GRPO's plan, its objective shaping hinted (off-policy) rows with {@code gamma_percentile}. */
    @Override
    public TrainPlan trainPlan(int iteration) {
        TrainPlan p = grpo.trainPlan(iteration);
        return new TrainPlan(p.steps(), p.batchSize(), p.lr(), p.warmupSteps(), p.schedule(), p.demonstrationMix(), p.restartFromBase(),
                p.objective().withOffPolicyPercentile(gammaPercentile), p.epochs());
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
