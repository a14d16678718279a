package io.autodidact.loop;

import java.util.Arrays;

/**
 * The distribution of the rewards of one iteration's samples, as a five-number summary plus mean:
 * enough to draw a box per iteration and to see reward hacking or collapse at a glance.
 */
public record RewardStats(int count, double mean, double min, double q1, double median, double q3, double max) {

    /** The summary of no samples: count 0 and zeros, so it stays NaN-free in JSON. */
    public static final RewardStats EMPTY = new RewardStats(0, 0, 0, 0, 0, 0, 0);

    public RewardStats {
        if (count < 0) throw new IllegalArgumentException("reward stats count must be >= 0, got " + count);
        for (double v : new double[] {mean, min, q1, median, q3, max})
            if (!Double.isFinite(v))
                throw new IllegalArgumentException("reward stats must be finite, got " + v + "; drop non-finite rewards first");
        if (!(min <= q1 && q1 <= median && median <= q3 && q3 <= max))
            throw new IllegalArgumentException("reward stats must satisfy min <= q1 <= median <= q3 <= max, got "
                    + min + ", " + q1 + ", " + median + ", " + q3 + ", " + max);
    }

    /** Summarises {@code rewards} (quartiles by linear interpolation, as numpy's default). */
    public static RewardStats of(double[] rewards) {
        if (rewards.length == 0) return EMPTY;
        double[] sorted = rewards.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double r : sorted) {
            if (!Double.isFinite(r)) throw new IllegalArgumentException("reward " + r + " is not finite; a reward must be a number");
            sum += r;
        }
        double mean = Math.min(sorted[sorted.length - 1], Math.max(sorted[0], sum / sorted.length));
        return new RewardStats(sorted.length, mean, sorted[0], quantile(sorted, 0.25), quantile(sorted, 0.5),
                quantile(sorted, 0.75), sorted[sorted.length - 1]);
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
