package io.autodidact.recipe;

import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.AnswerReader;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.reward.AnswerExtractor;
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
 * Label-free self-training by self-consistency (TTRL, Zuo et al. 2025; the majority-vote pseudo-labels of
 * "Large Language Models Can Self-Improve", Huang et al. 2022): sample K completions per problem, read each one's final
 * answer, and take the most common answer as the problem's pseudo-label when its vote share (votes over K, a sample
 * stating no answer voting for nothing) reaches {@code min_vote_share}; samples stating it count as correct. Then train
 * with the STaR update (keep distinct agreeing samples) or the GRPO update (reward {@code 1[answer == label]}, group
 * advantages, clipped policy gradient), by {@code update}; every other option belongs to that update's recipe.
 *
 * <p>The recipe never sees a reference answer: it scores through {@link #ownReward}, to which the loop hands the
 * problems without their answers. A tie for the most votes gives no label by default ({@code on_tie: skip}); TTRL
 * instead takes the first answer seen among the tied ({@code on_tie: first}) and has no vote-share threshold
 * ({@code min_vote_share: 0}). The stored reward of a sample is the vote share of its own answer (0 without one), so
 * the rollouts keep the vote; the update still sees the 0/1 agreement reward.
 *
 * <p>Checked against the paper (arXiv 2504.16084, abstract and method as published): the reward is
 * {@code 1[ans(y) == majority]} over the extracted answers, the method is RL (GRPO/PPO) on it, and the claim is that
 * pass@1 rises past the initial model's maj@n. Not confirmed from the pages we could reach: TTRL voting over N = 64
 * samples and training on n = 32 (seen only in derived scripts); K here is one number for both, and "vote over N, train
 * on the first n" is not offered yet.
 */
public final class SelfConsistency implements Recipe {
    public static final String NAME = "self-consistency";

    private static final List<OptionDoc> OWN = List.of(
            new OptionDoc("update", "string", "star", "star: fine-tune on the samples that agree with the label | grpo: 1[agrees] as the RL reward"),
            new OptionDoc("min_vote_share", "number", 0.5, "the majority answer becomes the label when its votes / K reach this (0: always, as TTRL)"),
            new OptionDoc("on_tie", "string", "skip", "skip: a tie for the most votes gives no label | first: the first answer seen among the tied (TTRL)"),
            new OptionDoc("extractor", "string", "task", "how to read a completion's final answer: task | last_line | after:<marker> | regex:<one capture group>"));

    /** Its own options, then those of each update's recipe, marked with the update they belong to. */
    public static final List<OptionDoc> OPTIONS = Stream.concat(OWN.stream(), Stream.concat(
            Star.OPTIONS.stream().map(o -> new OptionDoc(o.name(), o.type(), o.defaultValue(), "[update: star] " + o.meaning())),
            Grpo.OPTIONS.stream().map(o -> new OptionDoc(o.name(), o.type(), o.defaultValue(), "[update: grpo] " + o.meaning())))).toList();

    private final Recipe update;
    private final double minVoteShare;
    private final boolean tieFirst;
    private final String extractor;
    private final Optional<AnswerReader> ownExtractor;
    private final Map<String, Object> resolved;

    public SelfConsistency(Map<String, Object> options) {
        RecipeOptions.Split split = RecipeOptions.split(options, OWN.stream().map(OptionDoc::name).toList());
        RecipeOptions o = new RecipeOptions(split.own());
        String updateName = o.string("update", "star");
        minVoteShare = o.number("min_vote_share", 0.5, 0, 1);
        String onTie = o.string("on_tie", "skip");
        if (!onTie.equals("skip") && !onTie.equals("first"))
            throw RecipeOptions.error("on_tie", "must be skip or first, got \"" + onTie + "\"");
        tieFirst = onTie.equals("first");
        extractor = o.string("extractor", "task");
        ownExtractor = extractor(extractor);
        update = switch (updateName) {
            case "star" -> new Star(split.rest());
            case "grpo" -> new Grpo(split.rest());
            default -> throw RecipeOptions.error("update", "must be star or grpo, got \"" + updateName + "\"");
        };
        update.options().forEach(o::put);
        resolved = o.finish();
    }

    private static Optional<AnswerReader> extractor(String value) {
        try {
            if (value.equals("task")) return Optional.empty();
            if (value.equals("last_line")) return Optional.of(AnswerExtractor.lastLine()::extract);
            if (value.startsWith("after:")) return Optional.of(AnswerExtractor.afterMarker(value.substring(6))::extract);
            if (value.startsWith("regex:")) return Optional.of(AnswerExtractor.regex(value.substring(6))::extract);
        } catch (IllegalArgumentException e) {
            throw RecipeOptions.error("extractor", e.getMessage());
        }
        throw RecipeOptions.error("extractor", "must be task, last_line, after:<marker> or regex:<pattern>, got \"" + value + "\"");
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A problem's vote: the label (empty when none passes) and the share of K samples that voted for the top answer. */
    public record Vote(Optional<String> label, double share) {}

    /**
     * The majority vote over one problem's K answers (empty: the sample states none). The label is the most common
     * answer when its share reaches {@code minShare}; on a tie for the most votes, none, or with {@code tieFirst}
     * the tied answer seen first.
     */
    public static Vote vote(List<Optional<String>> answers, double minShare, boolean tieFirst) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Optional<String> a : answers) a.ifPresent(x -> counts.merge(x, 1, Integer::sum));
        String top = null;
        int best = 0;
        boolean tie = false;
        for (var e : counts.entrySet()) {
            if (e.getValue() > best) {
                top = e.getKey();
                best = e.getValue();
                tie = false;
            } else if (e.getValue() == best) tie = true;
        }
        double share = answers.isEmpty() ? 0 : best / (double) answers.size();
        boolean labelled = top != null && share >= minShare && (!tie || tieFirst);
        return new Vote(labelled ? Optional.of(top) : Optional.empty(), share);
    }

    /** Scores each sample by the vote of its problem's samples; never reads {@link io.autodidact.loop.Problem#answer()}. */
    @Override
    public Optional<Reward> ownReward(Optional<AnswerReader> taskAnswers) {
        AnswerReader reader = ownExtractor.or(() -> taskAnswers).orElseThrow(() -> RecipeOptions.error("extractor",
                "is \"task\" but this task has no answer extraction; set it to last_line, after:<marker> or regex:<pattern>"));
        return Optional.of(new MajorityVote(reader, minVoteShare, tieFirst));
    }

    /** The majority vote as a reward over whole problems (all K samples of a problem arrive in one batch). */
    record MajorityVote(AnswerReader reader, double minShare, boolean tieFirst) implements Reward {
        @Override
        public List<Score> score(List<Sample> samples) {
            List<Optional<String>> answers = samples.stream().map(s -> reader.answer(s.completion())).toList();
            Score[] out = new Score[samples.size()];
            for (List<Integer> group : ProblemGroups.of(samples, s -> s.problem().id()).values()) {
                List<Optional<String>> votes = group.stream().map(answers::get).toList();
                Vote v = vote(votes, minShare, tieFirst);
                Map<String, Integer> counts = new HashMap<>();
                for (Optional<String> a : votes) a.ifPresent(x -> counts.merge(x, 1, Integer::sum));
                for (int i : group) {
                    Optional<String> a = answers.get(i);
                    double share = a.map(x -> counts.get(x) / (double) group.size()).orElse(0.0);
                    boolean agrees = a.isPresent() && a.equals(v.label());
                    out[i] = new Score(share, agrees, a.map(x -> "answer " + x).orElse("no answer"), "");
                }
            }
            return List.of(out);
        }

        @Override
        public String name() {
            return "majority-vote";
        }
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return update.sampling(iteration, maxNewTokens, seed);
    }

    /** The update's selection on the 0/1 agreement reward; the stored reward stays the vote share. */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        List<Rollout> binary = scored.stream().map(r -> r.withScore(r.correct() ? 1 : 0, r.correct(), r.error())).toList();
        List<Rollout> chosen = update.select(iteration, binary);
        List<Rollout> out = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) out.add(chosen.get(i).withScore(scored.get(i).reward(), scored.get(i).correct(), scored.get(i).error()));
        return out;
    }

    /** {@code vote_share}: the mean over problems of the top answer's share of votes (the highest stored reward). */
    @Override
    public Map<String, Double> monitors(int iteration, List<Rollout> selected) {
        Map<String, Double> top = new LinkedHashMap<>();
        for (Rollout r : selected) top.merge(r.problemId(), r.reward(), Math::max);
        if (top.isEmpty()) return Map.of();
        return Map.of("vote_share", top.values().stream().mapToDouble(Double::doubleValue).average().orElse(0));
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return update.trainPlan(iteration);
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
