package io.autodidact.recipe.mcts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Area under the ROC curve: the chance a random positive scores above a random negative, ties counting half. */
public final class Auc {
    private Auc() {}

    /** NaN when either class is empty (the AUC is undefined, not 0.5). */
    public static double of(double[] scores, boolean[] positive) {
        if (scores.length != positive.length)
            throw new IllegalArgumentException("AUC: " + scores.length + " scores but " + positive.length + " labels");
        long pos = 0, neg = 0;
        for (boolean p : positive) if (p) pos++; else neg++;
        if (pos == 0 || neg == 0) return Double.NaN;
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        // Mann-Whitney: the positives' mid-ranks, tied scores sharing their average rank.
        double rankSum = 0;
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j < order.length && scores[order[j]] == scores[order[i]]) j++;
            double midRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (positive[order[k]]) rankSum += midRank;
            i = j;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }

    /** The AUC's pairs counted within each group only, and how many such pairs there were. */
    public record Grouped(double auc, long pairs) {}

    /**
     * The chance a positive scores above a negative <em>of the same group</em> (ties half), over every such pair: e.g.
     * sibling steps, which is the choice a search makes. Groups with one class only add no pair; NaN when none has both.
     */
    public static <K> Grouped within(double[] scores, boolean[] positive, List<K> groups) {
        if (scores.length != positive.length || scores.length != groups.size())
            throw new IllegalArgumentException("AUC: " + scores.length + " scores, " + positive.length + " labels and " + groups.size() + " groups");
        Map<K, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) members.computeIfAbsent(groups.get(i), k -> new ArrayList<>()).add(i);
        double wins = 0;
        long pairs = 0;
        for (List<Integer> g : members.values())
            for (int i : g) {
                if (!positive[i]) continue;
                for (int j : g) {
                    if (positive[j]) continue;
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        return new Grouped(pairs == 0 ? Double.NaN : wins / pairs, pairs);
    }
}
