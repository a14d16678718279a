package io.autodidact.curriculum;

import io.autodidact.loop.Curriculum;
import io.autodidact.loop.CurriculumSpec;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.recipe.GroupAdvantages;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * SEC, Self-Evolving Curriculum (Chen et al. 2025): problem groups (categories, or difficulties) are the arms of a
 * non-stationary bandit with values Q(c), 0 at first. Each slot of an iteration draws an arm from
 * {@code softmax(Q / temperature)} over the arms that still have unused candidates, then takes that arm's next
 * candidate. After an iteration an arm's reward is the mean over its samples of |A|, the group advantage of the sample
 * within its problem's K samples (the paper's token-averaged |advantage|: ours is constant over a sequence's tokens),
 * which is largest where the policy sometimes succeeds, the edge of learnability. Every arm is updated,
 * {@code Q(c) <- alpha r(c) + (1 - alpha) Q(c)}, with r = 0 for an arm the iteration did not sample, as the reference
 * code does (SEC code vendored in Vincent-La/cofa sec/, verl/utils/auto_curriculum/priority.py), so neglected arms
 * decay toward 0. The advantages are recomputed from the stored rewards (GRPO's by default), so SEC works the same
 * under STaR as under GRPO. Q is the state journaled and logged per iteration ({@code q_<arm>}).
 */
final class SelfEvolvingCurriculum implements Curriculum {
    private static final String Q = "q_";
    private final CurriculumSpec.Sec spec;
    private final GroupAdvantages advantages;

    SelfEvolvingCurriculum(CurriculumSpec.Sec spec) {
        this.spec = spec;
        this.advantages = GroupAdvantages.parse(spec.advantage(), "curriculum.advantage");
    }

    @Override
    public int poolFactor() {
        return spec.pool();
    }

    private boolean byCategory(List<Problem> problems) {
        return switch (spec.arms()) {
            case CATEGORY -> true;
            case DIFFICULTY -> false;
            case AUTO -> Curricula.severalCategories(problems);
        };
    }

    @Override
    public Map<String, Double> state(int iteration, Map<String, Double> previous, History history) {
        if (iteration <= 1) return Map.of();
        List<Problem> problems = history.problems(iteration - 1);
        boolean byCategory = byCategory(problems);
        Map<String, String> armOf = new HashMap<>();
        for (Problem p : problems) armOf.put(p.id(), Curricula.group(p, byCategory));
        Map<String, List<Rollout>> groups = new LinkedHashMap<>();
        for (Rollout r : history.rollouts(iteration - 1)) groups.computeIfAbsent(r.problemId(), k -> new ArrayList<>()).add(r);
        Map<String, double[]> rewards = new HashMap<>(); // arm -> {sum of |A|, samples}
        for (var e : groups.entrySet()) {
            double[] r = e.getValue().stream().mapToDouble(Rollout::reward).toArray();
            double[] a = advantages.of(r);
            double[] acc = rewards.computeIfAbsent(armOf.getOrDefault(e.getKey(), "none"), k -> new double[2]);
            for (double x : a) acc[0] += Math.abs(x);
            acc[1] += a.length;
        }
        Map<String, Double> q = new TreeMap<>();
        update(arms(previous), rewardsPerArm(rewards), spec.alpha()).forEach((arm, v) -> q.put(Q + arm, v));
        return q;
    }

    /** The state's Q values by arm name (the state's keys carry a {@code q_} prefix, so logs say what they are). */
    static Map<String, Double> arms(Map<String, Double> state) {
        Map<String, Double> out = new TreeMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith(Q)) out.put(k.substring(Q.length()), v);
        });
        return out;
    }

    private static Map<String, Double> rewardsPerArm(Map<String, double[]> sums) {
        Map<String, Double> out = new HashMap<>();
        sums.forEach((arm, v) -> out.put(arm, v[1] == 0 ? 0 : v[0] / v[1]));
        return out;
    }

    /** TD(0) with rate alpha on every arm known or rewarded; an arm without a reward this time gets r = 0. */
    static Map<String, Double> update(Map<String, Double> q, Map<String, Double> reward, double alpha) {
        Map<String, Double> out = new TreeMap<>();
        for (String arm : q.keySet()) out.put(arm, 0.0);
        for (String arm : reward.keySet()) out.put(arm, 0.0);
        out.replaceAll((arm, zero) -> alpha * reward.getOrDefault(arm, 0.0) + (1 - alpha) * q.getOrDefault(arm, 0.0));
        return out;
    }

    /** softmax(Q / temperature) over {@code arms}, an unknown arm's Q being 0. */
    static double[] probabilities(List<String> arms, Map<String, Double> q, double temperature) {
        double[] p = new double[arms.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i++) max = Math.max(max, q.getOrDefault(arms.get(i), 0.0) / temperature);
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(q.getOrDefault(arms.get(i), 0.0) / temperature - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    @Override
    public List<Problem> choose(int iteration, List<Problem> candidates, int count, Map<String, Double> state, History history, long seed) {
        boolean byCategory = byCategory(candidates);
        Map<String, Deque<Problem>> byArm = new TreeMap<>();
        for (Problem p : candidates) byArm.computeIfAbsent(Curricula.group(p, byCategory), k -> new ArrayDeque<>()).add(p);
        SplittableRandom random = new SplittableRandom(seed);
        List<Problem> out = new ArrayList<>(count);
        while (out.size() < count && !byArm.isEmpty()) {
            List<String> arms = List.copyOf(byArm.keySet());
            double[] p = probabilities(arms, arms(state), spec.temperature());
            double u = random.nextDouble(), acc = 0;
            int pick = arms.size() - 1;
            for (int i = 0; i < p.length; i++) {
                acc += p[i];
                if (u < acc) {
                    pick = i;
                    break;
                }
            }
            Deque<Problem> left = byArm.get(arms.get(pick));
            out.add(left.poll());
            if (left.isEmpty()) byArm.remove(arms.get(pick));
        }
        return out;
    }
}
