package io.autodidact.reward;

import io.autodidact.loop.Problem;
import java.util.Objects;

/** A completion to score, with the problem it answers. */
public record Sample(Problem problem, String completion) {
    public Sample {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(completion, "completion");
    }
}
