package io.autodidact.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * What the HTTP side allows: the endpoints outside {@code /api} open without a token (the others of them need a
 * viewer token), and the most samples one {@code POST /api/rewards/score} may carry.
 */
public record ApiSettings(Set<PublicEndpoint> open, int maxScoreSamples) {
    public static final int DEFAULT_MAX_SCORE_SAMPLES = 256;

    public ApiSettings {
        open = Set.copyOf(open);
        if (maxScoreSamples < 1) throw new IllegalArgumentException("max_score_samples must be >= 1, got " + maxScoreSamples);
    }

    /** Health, metrics and docs open; 256 samples per reward trial. */
    public static ApiSettings defaults() {
        return new ApiSettings(EnumSet.allOf(PublicEndpoint.class), DEFAULT_MAX_SCORE_SAMPLES);
    }
}
