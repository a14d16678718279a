package io.autodidact.reward;

import java.util.List;
import java.util.Objects;

/**
 * A reward for one sample. {@code correct} is the verifier's verdict (what STaR keeps); {@code reward}
 * may be graded; {@code steps} holds optional per-step scores (process rewards), empty when there are none.
 *
 * <p>A non-empty {@code error} means the sample could not be scored (the reward raised, timed out, returned
 * something that is not a number...): such a row has <em>no</em> score. Its {@code reward} is 0 and
 * {@code correct} false only as placeholders, so that it can never be selected; consumers must check
 * {@link #failed()} before treating the reward as a measurement (the loop counts these rows as
 * {@code errors} in its metrics).
 */
public record Score(double reward, boolean correct, String message, String error, List<Double> steps) {
    public Score {
        if (!Double.isFinite(reward)) throw new IllegalArgumentException("reward must be finite, got " + reward);
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(error, "error");
        steps = List.copyOf(steps);
        for (double s : steps)
            if (!Double.isFinite(s)) throw new IllegalArgumentException("steps must be finite, got " + steps);
        if (!error.isEmpty() && (reward != 0 || correct))
            throw new IllegalArgumentException("a failed score (error \"" + error + "\") must have reward 0 and correct false");
    }

    public Score(double reward, boolean correct, String message, String error) {
        this(reward, correct, message, error, List.of());
    }

    public static Score of(boolean correct) {
        return new Score(correct ? 1 : 0, correct, "", "");
    }

    /** A sample that could not be scored: {@code error} says why (it must not be empty). */
    public static Score failed(String error) {
        if (error.isEmpty()) throw new IllegalArgumentException("a failed score needs an error message saying why");
        return new Score(0, false, "", error);
    }

    /** True when this sample has no score, only an {@link #error()}. */
    public boolean failed() {
        return !error.isEmpty();
    }
}
