package io.autodidact.recipe;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sharpening with self-certainty, label-free: the model is its own verifier (Huang et al., "Self-Improvement in
 * Language Models: The Sharpening Mechanism"), and its self-reward is self-certainty (Kang et al. 2025), the mean
 * KL(uniform || p_t) of a completion's next-token distributions under the current policy.
 *
 * <pre>
 * for each iteration:
 *     Y_x <- N samples of pi(x) for each problem x
 *     c(y) <- self-certainty of y under pi                     (select, with the policy)
 *     sharpen-sft: fine-tune on the most certain distinct samples of each x (Star's SFT update)
 *     sharpen-rl:  GRPO with reward c(y): group advantages of c within Y_x, clipped policy gradient (Grpo's update)
 * </pre>
 *
 * Selection never reads a problem's answer, the verifier's reward or its verdict: those are for monitoring only
 * (the accuracy of the selected samples, logged when labels exist). Each rollout's stored {@code reward} becomes its
 * self-certainty, the reward this recipe optimises; {@code correct} keeps the verifier's verdict. The
 * Intuitor-style RL reward is the same quantity; here it is computed by the policy that trains this iteration, which
 * is the sampling policy except when replaying another run's rollouts.
 */
public final class SelfCertainty implements Recipe {
    public static final String NAME = "self-certainty";

    /** How the most certain samples are used. */
    public enum Mode {
        SHARPEN_SFT, SHARPEN_RL;

        static Mode parse(String value, String field) {
            return switch (value) {
                case "sharpen-sft" -> SHARPEN_SFT;
                case "sharpen-rl" -> SHARPEN_RL;
                default -> throw ConfigMap.error(field, "unknown mode \"" + value + "\"; use sharpen-sft or sharpen-rl");
            };
        }
    }

    public static final List<OptionDoc> OPTIONS = optionDocs();

    /** mode, then Star's options for sharpen-sft and Grpo's for sharpen-rl: the update is theirs, not a copy. */
    private static List<OptionDoc> optionDocs() {
        List<OptionDoc> out = new ArrayList<>();
        out.add(new OptionDoc("mode", "string", "sharpen-sft",
                "sharpen-sft: fine-tune on the most certain samples (options as recipe star) | sharpen-rl: self-certainty as the GRPO reward (options as recipe grpo)"));
        Map<String, OptionDoc> rl = new LinkedHashMap<>();
        for (OptionDoc o : Grpo.OPTIONS) rl.put(o.name(), o);
        for (OptionDoc o : Star.OPTIONS) {
            OptionDoc r = rl.remove(o.name());
            String meaning = o.name().equals("max_per_problem") ? "m: most certain distinct completions kept per problem" : o.meaning();
            if (r == null) meaning = "sharpen-sft: " + meaning;
            else if (!r.defaultValue().equals(o.defaultValue())) meaning += " (sharpen-rl default: " + r.defaultValue() + ")";
            out.add(new OptionDoc(o.name(), o.type(), o.defaultValue(), meaning));
        }
        for (OptionDoc r : rl.values()) out.add(new OptionDoc(r.name(), r.type(), r.defaultValue(), "sharpen-rl: " + r.meaning()));
        return List.copyOf(out);
    }

    private final Mode mode;
    private final Recipe update;
    private final int maxPerProblem;
    private final Map<String, Object> resolved;

    public SelfCertainty(Map<String, Object> options) {
        RecipeOptions.Split split = RecipeOptions.split(options, List.of("mode"));
        Object m = split.own().get("mode");
        if (m != null && !(m instanceof String)) throw RecipeOptions.error("mode", "must be a string: sharpen-sft or sharpen-rl");
        RecipeOptions o = new RecipeOptions(split.own());
        mode = o.choice("mode", "sharpen-sft", Mode::parse);
        update = mode == Mode.SHARPEN_SFT ? new Star(split.rest()) : new Grpo(split.rest());
        maxPerProblem = mode == Mode.SHARPEN_SFT ? ((Number) update.options().get("max_per_problem")).intValue() : 0;
        update.options().forEach(o::put);
        resolved = o.finish();
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return update.sampling(iteration, maxNewTokens, seed);
    }

    /** Scores every rollout's self-certainty with {@code policy}, stores it as the reward, then selects by it. */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        List<int[]> prompts = new ArrayList<>(scored.size()), completions = new ArrayList<>(scored.size());
        for (Rollout r : scored) {
            prompts.add(r.promptTokens());
            completions.add(r.completionTokens());
        }
        double[] certainty = scored.isEmpty() ? new double[0] : policy.selfCertainty(prompts, completions);
        List<Rollout> withCertainty = new ArrayList<>(scored.size());
        for (int i = 0; i < scored.size(); i++) {
            Rollout r = scored.get(i);
            withCertainty.add(r.withScore(certainty[i], r.correct(), r.error()));
        }
        List<Rollout> out = select(iteration, withCertainty);
        return new Selection(out, monitors(out));
    }

    /**
     * Selection on rollouts whose {@code reward} already holds their self-certainty. sharpen-sft keeps the
     * {@code max_per_problem} most certain distinct completions of each problem (ties by sample index); sharpen-rl
     * gives GRPO's group advantages of the certainties. Reads nothing else of a rollout's score.
     */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        if (mode == Mode.SHARPEN_RL) return update.select(iteration, scored);
        return ProblemGroups.keepDistinct(scored, Comparator.comparingDouble(r -> -r.reward()), r -> true, maxPerProblem).stream()
                .map(r -> r.withAdvantage(0)).toList();
    }

    /**
     * Mean self-certainty of all and of the selected samples and, for monitoring only, accuracies over the rollouts
     * the verifier could judge (no error): of all samples, of the selected ones and of each problem's most certain one.
     */
    static Map<String, Double> monitors(List<Rollout> rollouts) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (rollouts.isEmpty()) return m;
        double all = 0, sel = 0;
        int selected = 0, judged = 0, correct = 0, judgedSelected = 0, correctSelected = 0;
        for (Rollout r : rollouts) {
            all += r.reward();
            if (r.selected()) {
                sel += r.reward();
                selected++;
            }
            if (!r.error().isEmpty()) continue;
            judged++;
            if (r.correct()) correct++;
            if (r.selected()) {
                judgedSelected++;
                if (r.correct()) correctSelected++;
            }
        }
        m.put("certainty_mean", all / rollouts.size());
        if (selected > 0) m.put("certainty_selected_mean", sel / selected);
        if (judged > 0) m.put("sample_accuracy", correct / (double) judged);
        if (judgedSelected > 0) m.put("selected_accuracy", correctSelected / (double) judgedSelected);
        int problems = 0, bestCorrect = 0;
        for (List<Integer> group : ProblemGroups.of(rollouts).values()) {
            double[] c = new double[group.size()];
            for (int j = 0; j < c.length; j++) c[j] = rollouts.get(group.get(j)).reward();
            Rollout best = rollouts.get(group.get(CertaintyVoting.mostCertain(c)));
            if (!best.error().isEmpty()) continue;
            problems++;
            if (best.correct()) bestCorrect++;
        }
        if (problems > 0) m.put("most_certain_accuracy", bestCorrect / (double) problems);
        return m;
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
