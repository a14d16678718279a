package io.autodidact.recipe;

import io.autodidact.engine.Objective;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.Tokenizer;
import io.autodidact.loop.AnswerReader;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.PreferencePair;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Self-rewarding DPO, label-free: the policy ranks its own samples and trains on the resulting preference pairs with
 * DPO (the loop of Yuan et al. 2024, "Self-Rewarding Language Models", with the judge swapped for what a small model
 * can do; the DPO loss of Rafailov et al. 2023).
 *
 * <pre>
 * for each iteration:
 *     Y_x <- K samples of pi(x) for each problem x
 *     s(y) <- the judge's score of y under pi                              (select, with the policy)
 *     pairs: chosen = best, rejected = worst distinct sample of each x, if s(chosen) - s(rejected) > min_margin
 *            (then the 2nd best against the 2nd worst, ... up to pairs_per_problem)
 *     minimise -log sigmoid(beta ((log pi(c) - log pi_ref(c)) - (log pi(r) - log pi_ref(r))))   (train, DPO)
 * </pre>
 *
 * Judges: {@code self-certainty} (the mean KL(uniform || p_t) of the completion, {@link PolicyEngine#selfCertainty}),
 * or {@code llm-judge}: the policy asked about its own sample, {@code log p(judge_yes | J) - log p(judge_no | J)} for the
 * judge prompt J made from {@code judge_template}. The reference is the policy the iteration starts from, or the
 * base policy ({@code reference: base}).
 *
 * <p>The recipe never sees an answer or the task verifier's verdict: it scores through {@link #ownReward}, which the
 * loop hands the problems without their answers and which scores nothing (reward 0, no verdict), and it ranks in SELECT
 * by the judge alone. Only after the pairs are fixed does the loop show it the verifier's verdicts, for the monitors
 * ({@link #verifiedMonitors}).
 *
 * <p>Against the paper (arXiv 2401.10020, as published): Self-Rewarding LMs sample N = 4 responses per prompt, score
 * each by LLM-as-a-judge (a 5-point additive rubric prompt, averaged over 3 judge samples), take the highest and lowest
 * scored as chosen and rejected, drop pairs whose scores are equal, train with DPO (beta 0.1) from the previous
 * iteration's model, and iterate (M1 to M3); the paper also generates the prompts itself, which this recipe does not.
 * The rubric prompt and the 5-point scale are not reproduced here: the demo's character-level model cannot read it, so
 * {@code llm-judge} reads a verdict token's probability instead, and {@code self-certainty} is this project's addition.
 * Pairs by "second best against second worst" for {@code pairs_per_problem > 1} are our choice (the paper makes one).
 */
public final class SelfRewardingDpo implements Recipe {
    public static final String NAME = "self-rewarding-dpo";

    /** The defaults of {@code batch_size} (pairs), {@code lr}, {@code warmup_steps} and {@code lr_schedule}. */
    static final Optimizer OPTIMIZER = new Optimizer(32, 1e-4, 0, LrSchedule.Kind.CONSTANT);

    public static final List<OptionDoc> OPTIONS = Stream.of(List.of(
            new OptionDoc("samples", "integer", 4, "K: completions sampled per problem and ranked by the judge"),
            new OptionDoc("temperature", "number", 1.0, "sampling temperature"),
            new OptionDoc("judge", "string", "self-certainty", "self-certainty | llm-judge: how the policy scores its own samples"),
            new OptionDoc("pairs_per_problem", "integer", 1, "pairs made per problem: best vs worst, then 2nd best vs 2nd worst, ... (2 x pairs <= samples)"),
            new OptionDoc("min_margin", "number", 0.0, "a pair needs score(chosen) - score(rejected) > min_margin; ties never pair"),
            new OptionDoc("beta", "number", 0.1, "DPO's beta: -log sigmoid(beta * margin)"),
            new OptionDoc("reference", "string", "iteration", "iteration: the policy the iteration starts from | base: the base policy"),
            new OptionDoc("epochs", "integer", 1, "passes over the iteration's pairs")),
            RecipeOptions.optimizerDocs(OPTIMIZER, "pairs per minibatch (one optimizer step)"),
            List.of(new OptionDoc("kernel", "string", "java", "java | python (the bundled GraalPy kernel losses.dpo)"),
            new OptionDoc("judge_template", "string", "{prompt}{completion}\n",
                    "llm-judge: the judge prompt; {prompt} and {completion} are replaced (only characters the model's tokenizer has)"),
            new OptionDoc("judge_yes", "string", "1", "llm-judge: the continuation meaning \"correct\""),
            new OptionDoc("judge_no", "string", "0", "llm-judge: the continuation meaning \"wrong\""))).flatMap(List::stream).toList();

    /** How the policy scores its own samples. */
    public enum Judge {
        SELF_CERTAINTY, LLM_JUDGE
    }

    private final Sampling sampling;
    private final Judge judge;
    private final int pairsPerProblem;
    private final double minMargin;
    private final String judgeTemplate, judgeYes, judgeNo;
    private final TrainPlan plan;
    private final Map<String, Object> resolved;

    public SelfRewardingDpo(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        sampling = o.sampling(4, 2);
        String judgeName = o.string("judge", "self-certainty");
        judge = switch (judgeName) {
            case "self-certainty" -> Judge.SELF_CERTAINTY;
            case "llm-judge" -> Judge.LLM_JUDGE;
            default -> throw RecipeOptions.error("judge", "must be self-certainty or llm-judge, got \"" + judgeName + "\"");
        };
        pairsPerProblem = o.integer("pairs_per_problem", 1, 1, 512);
        if (2 * pairsPerProblem > sampling.samples())
            throw RecipeOptions.error("pairs_per_problem", "is " + pairsPerProblem + " but " + sampling.samples()
                    + " samples make at most " + sampling.samples() / 2 + " pairs of distinct samples; lower it or raise samples");
        minMargin = o.number("min_margin", 0.0, 0, 1e9);
        double beta = o.number("beta", 0.1, 1e-6, 1e6);
        String referenceName = o.string("reference", "iteration");
        Objective.Reference reference = switch (referenceName) {
            case "iteration" -> Objective.Reference.START;
            case "base" -> Objective.Reference.BASE;
            default -> throw RecipeOptions.error("reference", "must be iteration or base, got \"" + referenceName + "\"");
        };
        int epochs = o.epochs();
        Optimizer optimizer = o.optimizer(OPTIMIZER);
        String kernel = o.string("kernel", "java");
        if (!kernel.equals("java") && !kernel.equals("python"))
            throw RecipeOptions.error("kernel", "must be java or python (the bundled losses.dpo), got \"" + kernel + "\"");
        judgeTemplate = o.string("judge_template", "{prompt}{completion}\n");
        if (!judgeTemplate.contains("{completion}"))
            throw RecipeOptions.error("judge_template", "must contain {completion}, the sample being judged");
        judgeYes = o.string("judge_yes", "1");
        judgeNo = o.string("judge_no", "0");
        if (judgeYes.isEmpty() || judgeYes.equals(judgeNo))
            throw RecipeOptions.error("judge_yes", "must be a non-empty continuation different from judge_no (\"" + judgeNo + "\")");
        Objective objective = Objective.dpo(beta, reference).withKernel(kernel.equals("java") ? Objective.Kernel.JAVA : Objective.Kernel.python());
        plan = optimizer.epochs(epochs, objective);
        resolved = o.finish();
        // The judge prompt and verdicts mean nothing to the self-certainty judge; run.yaml shows only what the run uses.
        if (judge != Judge.LLM_JUDGE) resolved.keySet().removeAll(List.of("judge_template", "judge_yes", "judge_no"));
    }

    @Override
    public String name() {
        return NAME;
    }

    public Judge judge() {
        return judge;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return sampling.params(maxNewTokens, seed);
    }

    /** A reward that reads nothing: every sample 0 and unverified, so no verdict reaches SELECT; the judge scores there. */
    @Override
    public Optional<Reward> ownReward(Optional<AnswerReader> taskAnswers) {
        return Optional.of(new Reward() {
            @Override
            public List<Score> score(List<Sample> batch) {
                return batch.stream().map(s -> new Score(0, false, "judged by the policy in SELECT", "", List.of())).toList();
            }

            @Override
            public String name() {
                return "self-judged";
            }
        });
    }

    /** Scores every rollout with the judge under {@code policy}, stores the score as its reward, and marks the pairs. */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        double[] score = scored.isEmpty() ? new double[0] : switch (judge) {
            case SELF_CERTAINTY -> policy.selfCertainty(scored.stream().map(Rollout::promptTokens).toList(),
                    scored.stream().map(Rollout::completionTokens).toList());
            case LLM_JUDGE -> llmJudge(scored, policy);
        };
        List<Rollout> judged = new ArrayList<>(scored.size());
        for (int i = 0; i < scored.size(); i++) judged.add(scored.get(i).withScore(score[i], false, scored.get(i).error()));
        List<Rollout> out = select(iteration, judged);
        return new Selection(out, monitors(out));
    }

    /** {@code log p(judge_yes | J) - log p(judge_no | J)} under the policy, J the judge prompt of each rollout. */
    private double[] llmJudge(List<Rollout> rollouts, PolicyEngine policy) {
        Tokenizer t = policy.tokenizer();
        int[] yes = encode(t, judgeYes, "recipe.judge_yes"), no = encode(t, judgeNo, "recipe.judge_no");
        List<int[]> prompts = new ArrayList<>(2 * rollouts.size()), verdicts = new ArrayList<>(2 * rollouts.size());
        for (Rollout r : rollouts) {
            String text = judgeTemplate.replace("{prompt}", t.decode(r.promptTokens())).replace("{completion}", r.text());
            int[] j = encode(t, text, "recipe.judge_template");
            if (j.length + Math.max(yes.length, no.length) > policy.contextLength())
                throw ConfigMap.error("recipe.judge_template", "makes a judge prompt of " + j.length + " tokens for " + r.problemId()
                        + ", too long for the model's context of " + policy.contextLength() + "; shorten the template or raise model.context");
            prompts.add(j);
            verdicts.add(yes);
            prompts.add(j);
            verdicts.add(no);
        }
        List<float[]> lp = policy.logprobs(prompts, verdicts);
        double[] out = new double[rollouts.size()];
        for (int i = 0; i < out.length; i++) out[i] = sum(lp.get(2 * i)) - sum(lp.get(2 * i + 1));
        return out;
    }

    private static int[] encode(Tokenizer t, String text, String field) {
        try {
            return t.encode(text);
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error(field, "cannot be written with the model's tokenizer: " + e.getMessage());
        }
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) s += v;
        return s;
    }

    /**
     * Pairs on rollouts whose {@code reward} already holds the judge's score: per problem, see {@link #pairs}; every
     * other rollout is left unselected. Reads nothing else of a rollout's score.
     */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        Rollout[] out = new Rollout[scored.size()];
        for (int i = 0; i < out.length; i++) out[i] = scored.get(i).withSelected(false).withAdvantage(0);
        for (List<Integer> group : ProblemGroups.of(scored).values()) {
            List<Double> s = new ArrayList<>(group.size());
            List<String> texts = new ArrayList<>(group.size());
            for (int i : group) {
                Rollout r = scored.get(i);
                s.add(r.reward());
                // An empty completion has no tokens to train; it can be neither side of a pair.
                texts.add(r.completionTokens().length == 0 ? null : r.text());
            }
            List<int[]> pairs = pairs(s, texts, pairsPerProblem, minMargin);
            for (int p = 0; p < pairs.size(); p++) {
                int c = group.get(pairs.get(p)[0]), r = group.get(pairs.get(p)[1]);
                out[c] = PreferencePair.chosen(out[c], p);
                out[r] = PreferencePair.rejected(out[r], p);
            }
        }
        return List.of(out);
    }

    /**
     * One problem's preference pairs from its samples' judge scores: the distinct samples (first of equal texts; a null
     * text is skipped) ranked by score, highest first, ties by position; pair j is the j-th best against the j-th worst,
     * made while the two are different samples and the score gap exceeds {@code minMargin}. Returns {chosen, rejected}
     * positions.
     */
    public static List<int[]> pairs(List<Double> scores, List<String> texts, int maxPairs, double minMargin) {
        List<Integer> distinct = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < scores.size(); i++) if (texts.get(i) != null && seen.add(texts.get(i))) distinct.add(i);
        distinct.sort((a, b) -> scores.get(a).equals(scores.get(b)) ? Integer.compare(a, b) : Double.compare(scores.get(b), scores.get(a)));
        List<int[]> out = new ArrayList<>();
        for (int j = 0; j < maxPairs; j++) {
            int hi = j, lo = distinct.size() - 1 - j;
            if (hi >= lo) break;
            int c = distinct.get(hi), r = distinct.get(lo);
            if (!(scores.get(c) - scores.get(r) > minMargin)) break;
            out.add(new int[] {c, r});
        }
        return out;
    }


    /** pairs, pair_rate (share of problems with a pair), judge_margin (mean score gap of a pair) and score_mean. */
    static Map<String, Double> monitors(List<Rollout> rollouts) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (rollouts.isEmpty()) return m;
        List<PreferencePair> pairs = PreferencePair.of(rollouts);
        m.put("pairs", (double) pairs.size());
        m.put("pair_rate", pairs.stream().map(p -> p.chosen().problemId()).distinct().count() / (double) ProblemGroups.of(rollouts).size());
        if (!pairs.isEmpty()) m.put("judge_margin", pairs.stream().mapToDouble(p -> p.chosen().reward() - p.rejected().reward()).average().orElse(0));
        m.put("score_mean", rollouts.stream().mapToDouble(Rollout::reward).average().orElse(0));
        return m;
    }

    /**
     * The judge against the verifier, after the pairs are fixed: pair_accuracy (share of pairs whose chosen sample is
     * correct and rejected one wrong), pair_inverted (the opposite), chosen_accuracy and rejected_accuracy.
     */
    @Override
    public Map<String, Double> verifiedMonitors(int iteration, List<Rollout> selected, List<Boolean> verified) {
        Map<String, Boolean> byKey = new LinkedHashMap<>();
        for (int i = 0; i < selected.size(); i++) byKey.put(selected.get(i).problemId() + "#" + selected.get(i).sampleIndex(), verified.get(i));
        List<PreferencePair> pairs = PreferencePair.of(selected);
        if (pairs.isEmpty()) return Map.of();
        int right = 0, inverted = 0, chosenOk = 0, rejectedOk = 0;
        for (PreferencePair p : pairs) {
            boolean c = byKey.get(p.chosen().problemId() + "#" + p.chosen().sampleIndex());
            boolean r = byKey.get(p.rejected().problemId() + "#" + p.rejected().sampleIndex());
            if (c && !r) right++;
            if (!c && r) inverted++;
            if (c) chosenOk++;
            if (r) rejectedOk++;
        }
        double n = pairs.size();
        return Map.of("pair_accuracy", right / n, "pair_inverted", inverted / n, "chosen_accuracy", chosenOk / n, "rejected_accuracy", rejectedOk / n);
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return plan;
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
