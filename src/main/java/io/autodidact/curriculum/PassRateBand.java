package io.autodidact.curriculum;

import io.autodidact.loop.Curriculum;
import io.autodidact.loop.CurriculumSpec;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The "edge of learnability" filter: an iteration trains only on problems whose pass rate in recent samples lies in
 * [low, high], since problems always or never solved teach nothing (no correct sample to keep, or a group advantage of
 * zero). A problem's pass rate is its own over the last {@code window} iterations that sampled it; a problem not
 * sampled there (fresh generated problems, always) takes its group's recent pass rate, the group being its category
 * when the problems carry several, else its difficulty; with neither it counts as inside the band, so the filter
 * re-probes what it has not seen lately. When no candidate is inside the band the iteration takes the first candidates
 * unfiltered rather than stall. The state logged per iteration is each group's recent pass rate ({@code pass_<group>}).
 */
final class PassRateBand implements Curriculum {
    private final CurriculumSpec.Band spec;

    PassRateBand(CurriculumSpec.Band spec) {
        this.spec = spec;
    }

    @Override
    public int poolFactor() {
        return spec.pool();
    }

    /** Recent pass rates: solved and sampled counts per problem id (index 0) and per group (index 1). */
    private Map<String, int[]>[] recent(int iteration, History history) {
        @SuppressWarnings("unchecked")
        Map<String, int[]>[] out = new Map[] {new HashMap<>(), new HashMap<>()};
        // Oldest first, so that a problem or group sampled again takes its latest pass rate.
        for (int it = Math.max(1, iteration - spec.window()); it < iteration; it++) {
            List<Problem> problems = history.problems(it);
            boolean byCategory = Curricula.severalCategories(problems);
            Map<String, String> groupOf = new HashMap<>();
            for (Problem p : problems) groupOf.put(p.id(), Curricula.group(p, byCategory));
            Map<String, int[]> byProblem = new HashMap<>(), byGroup = new HashMap<>();
            for (Rollout r : history.rollouts(it)) {
                if (!r.error().isEmpty()) continue;
                int c = r.correct() ? 1 : 0;
                add(byProblem, r.problemId(), c);
                add(byGroup, groupOf.getOrDefault(r.problemId(), "none"), c);
            }
            out[0].putAll(byProblem);
            out[1].putAll(byGroup);
        }
        return out;
    }

    private static void add(Map<String, int[]> m, String key, int correct) {
        int[] v = m.computeIfAbsent(key, k -> new int[2]);
        v[0] += correct;
        v[1]++;
    }

    @Override
    public Map<String, Double> state(int iteration, Map<String, Double> previous, History history) {
        Map<String, Double> out = new TreeMap<>();
        recent(iteration, history)[1].forEach((g, v) -> out.put("pass_" + g, v[0] / (double) v[1]));
        return out;
    }

    @Override
    public List<Problem> choose(int iteration, List<Problem> candidates, int count, Map<String, Double> state, History history, long seed) {
        Map<String, int[]>[] recent = recent(iteration, history);
        boolean byCategory = Curricula.severalCategories(candidates);
        List<Problem> kept = new ArrayList<>(count);
        for (Problem p : candidates) {
            if (kept.size() == count) break;
            int[] own = recent[0].get(p.id()), group = recent[1].get(Curricula.group(p, byCategory));
            int[] v = own != null ? own : group;
            if (v == null || inBand(v[0] / (double) v[1])) kept.add(p);
        }
        return kept.isEmpty() ? candidates.subList(0, Math.min(count, candidates.size())) : kept;
    }

    boolean inBand(double passRate) {
        return passRate >= spec.low() && passRate <= spec.high();
    }
}
