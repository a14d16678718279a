package io.autodidact.reward;

import java.util.Objects;

/**
 * A reward for one sample. {@code correct} is the verifier's verdict (what STaR keeps); {@code reward}
 * may be graded. {@code error} is empty unless scoring failed, in which case reward is 0 and correct false.
 */
public record Score(double reward, boolean correct, String message, String error) {
    public Score {
        if (!Double.isFinite(reward)) throw new IllegalArgumentException("reward must be finite, got " + reward);
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(error, "error");
    }

    public static Score of(boolean correct) {
        return new Score(correct ? 1 : 0, correct, "", "");
    }

    public static Score failed(String error) {
        return new Score(0, false, "", error);
    }
}
