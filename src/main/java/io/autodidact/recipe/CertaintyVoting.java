package io.autodidact.recipe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Choosing one of N samples of a problem by self-certainty (Kang et al. 2025, "Scalable Best-of-N Selection for
 * Large Language Models via Self-Certainty"): the most certain sample, or Borda voting over the samples' answers.
 *
 * <p>Borda voting, as checked against the authors' code ({@code backprop07/Self-Certainty},
 * {@code src/voting_from_list.py}) and the paper's Eq. 11 as quoted by a reimplementation: rank the N samples by
 * self-certainty, r = 1 the most certain (ties keep sample order, as Python's stable sort does); the sample gives its
 * answer {@code (N - r + 1)^p} votes; the answer with the most votes wins, ties going to the answer whose first sample
 * comes first. Samples with no extractable answer give no votes but still count in N. The authors' default is
 * p = 0.5; p = 0 is plain majority voting.
 */
public final class CertaintyVoting {
    private CertaintyVoting() {}

    /** Index of the most certain sample; the first one among equals. */
    public static int mostCertain(double[] certainty) {
        if (certainty.length == 0) throw new IllegalArgumentException("mostCertain: no samples; a problem needs at least one");
        int best = 0;
        for (int i = 1; i < certainty.length; i++) if (certainty[i] > certainty[best]) best = i;
        return best;
    }

    /** Sample indices from most to least certain; equal certainties keep sample order. */
    public static List<Integer> byCertainty(double[] certainty) {
        List<Integer> order = new ArrayList<>(certainty.length);
        for (int i = 0; i < certainty.length; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -certainty[i]));
        return order;
    }

    /**
     * The Borda winner: the index of the first sample carrying the winning answer, or empty when no sample has an
     * answer. {@code power} 0 is majority voting.
     */
    public static OptionalInt borda(List<Optional<String>> answers, double[] certainty, double power) {
        Objects.requireNonNull(answers, "answers");
        if (answers.size() != certainty.length)
            throw new IllegalArgumentException("borda: " + answers.size() + " answers but " + certainty.length + " certainties");
        if (!(power >= 0) || Double.isInfinite(power)) throw new IllegalArgumentException("borda power must be a finite number >= 0, got " + power);
        int n = certainty.length;
        double[] votes = new double[n];
        List<Integer> order = byCertainty(certainty);
        for (int rank = 1; rank <= n; rank++) votes[order.get(rank - 1)] = Math.pow(n - rank + 1, power);
        Map<String, Double> tally = new LinkedHashMap<>(); // insertion order = order of each answer's first sample
        Map<String, Integer> first = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Optional<String> a = answers.get(i);
            if (a.isEmpty()) continue;
            tally.merge(a.get(), votes[i], Double::sum);
            first.putIfAbsent(a.get(), i);
        }
        String winner = null;
        for (var e : tally.entrySet()) if (winner == null || e.getValue() > tally.get(winner)) winner = e.getKey();
        return winner == null ? OptionalInt.empty() : OptionalInt.of(first.get(winner));
    }

    /** Plain majority voting (Borda with power 0): every sample with an answer gives it one vote. */
    public static OptionalInt majority(List<Optional<String>> answers) {
        return borda(answers, new double[answers.size()], 0);
    }
}
