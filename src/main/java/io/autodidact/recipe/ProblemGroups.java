package io.autodidact.recipe;

import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/** Rollouts by problem, and the rejection-sampling selection within each problem's group that several recipes share. */
final class ProblemGroups {
    private ProblemGroups() {}

    /** Each problem's positions in {@code rollouts}, problems in order of first appearance. */
    static Map<String, List<Integer>> of(List<Rollout> rollouts) {
        return of(rollouts, Rollout::problemId);
    }

    /** Each key's positions in {@code items}, keys in order of first appearance. */
    static <T> Map<String, List<Integer>> of(List<T> items, Function<T, String> key) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) groups.computeIfAbsent(key.apply(items.get(i)), k -> new ArrayList<>()).add(i);
        return groups;
    }

    /**
     * Every rollout, in order, selected when it is among the first {@code max} of its problem, in {@code rank} order (ties
     * keep list order), that are {@code eligible} and whose text no earlier selected rollout of the problem has: STaR's,
     * B-STaR's and sharpening's selection, which differ only in what is eligible and how it ranks.
     */
    static List<Rollout> keepDistinct(List<Rollout> scored, Comparator<Rollout> rank, Predicate<Rollout> eligible, int max) {
        boolean[] keep = new boolean[scored.size()];
        for (List<Integer> group : of(scored).values()) {
            List<Integer> ranked = new ArrayList<>(group);
            ranked.sort(Comparator.comparing(scored::get, rank));
            Set<String> seen = new HashSet<>();
            int kept = 0;
            for (int i : ranked) {
                if (kept == max) break;
                Rollout r = scored.get(i);
                if (eligible.test(r) && seen.add(r.text())) {
                    keep[i] = true;
                    kept++;
                }
            }
        }
        List<Rollout> out = new ArrayList<>(scored.size());
        for (int i = 0; i < scored.size(); i++) out.add(scored.get(i).withSelected(keep[i]));
        return out;
    }
}
