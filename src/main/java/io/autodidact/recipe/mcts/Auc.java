package io.autodidact.recipe.mcts;

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
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
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
}
