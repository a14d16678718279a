package io.autodidact.loop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A preference pair among one problem's rollouts, for a pairwise objective (DPO). SELECT marks the pairs in the
 * rollouts themselves, so they are stored and survive a resume: pair {@code j} of a problem is its chosen rollout,
 * selected with advantage {@code j + 1}, and its rejected one, selected with advantage {@code -(j + 1)}. TRAIN reads
 * them back with {@link #of}.
 */
public record PreferencePair(Rollout chosen, Rollout rejected) {
    public PreferencePair {
        if (!chosen.problemId().equals(rejected.problemId()))
            throw new IllegalArgumentException("a preference pair compares samples of one problem, got " + chosen.problemId() + " and " + rejected.problemId());
    }

    /** {@code r} marked as the chosen side of its problem's pair {@code pair} (0-based). */
    public static Rollout chosen(Rollout r, int pair) {
        return r.withSelected(true).withAdvantage(pair + 1);
    }

    /** {@code r} marked as the rejected side of its problem's pair {@code pair} (0-based). */
    public static Rollout rejected(Rollout r, int pair) {
        return r.withSelected(true).withAdvantage(-(pair + 1));
    }

    /**
     * The pairs marked among {@code rollouts}, by problem in order of first appearance, then by pair index.
     *
     * @throws IllegalStateException when a selected rollout's advantage is not a pair mark, or a pair lacks a side
     */
    public static List<PreferencePair> of(List<Rollout> rollouts) {
        Map<String, TreeMap<Integer, Rollout[]>> byProblem = new LinkedHashMap<>();
        for (Rollout r : rollouts) {
            if (!r.selected()) continue;
            int mark = (int) r.advantage();
            if (mark == 0 || mark != r.advantage())
                throw new IllegalStateException("rollout " + r.problemId() + "#" + r.sampleIndex() + " is selected with advantage " + r.advantage()
                        + ", not a preference-pair mark (+-(pair + 1)); a pairwise objective needs a recipe that selects pairs");
            Rollout[] sides = byProblem.computeIfAbsent(r.problemId(), k -> new TreeMap<>()).computeIfAbsent(Math.abs(mark), k -> new Rollout[2]);
            int side = mark > 0 ? 0 : 1;
            if (sides[side] != null)
                throw new IllegalStateException("problem " + r.problemId() + " has two " + (side == 0 ? "chosen" : "rejected") + " samples in pair " + (Math.abs(mark) - 1));
            sides[side] = r;
        }
        List<PreferencePair> out = new ArrayList<>();
        byProblem.forEach((problem, pairs) -> pairs.forEach((mark, sides) -> {
            if (sides[0] == null || sides[1] == null)
                throw new IllegalStateException("problem " + problem + ": pair " + (mark - 1) + " lacks its " + (sides[0] == null ? "chosen" : "rejected") + " sample");
            out.add(new PreferencePair(sides[0], sides[1]));
        }));
        return out;
    }
}
