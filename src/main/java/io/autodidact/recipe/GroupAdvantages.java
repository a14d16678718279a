package io.autodidact.recipe;

import java.util.Locale;

/**
 * Advantages of the K samples of one problem from their rewards (ALGORITHMS.md, "Group advantages"); the same
 * formulas as {@code autodidact/kernels/advantages.py}, kept in plain Java so that recipes stay adapter-free.
 * GRPO: {@code (r_i - mean) / (std + 1e-6)}, sample std (K - 1); Dr. GRPO: {@code r_i - mean};
 * RLOO: {@code r_i - mean of the others}.
 */
public enum GroupAdvantages {
    GRPO, DRGRPO, RLOO;

    public static GroupAdvantages parse(String value, String field) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT).replace("_", "").replace("-", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": unknown advantage estimator \"" + value + "\"; use grpo, drgrpo or rloo");
        }
    }

    public double[] of(double[] rewards) {
        int k = rewards.length;
        double mean = 0;
        for (double r : rewards) mean += r;
        mean /= k;
        double var = 0;
        for (double r : rewards) var += (r - mean) * (r - mean);
        double std = k > 1 ? Math.sqrt(var / (k - 1)) : 0;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            double centred = rewards[i] - mean;
            out[i] = switch (this) {
                case GRPO -> centred / (std + 1e-6);
                case DRGRPO -> centred;
                case RLOO -> k > 1 ? centred * k / (k - 1.0) : 0;
            };
        }
        return out;
    }
}
