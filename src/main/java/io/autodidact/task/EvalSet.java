package io.autodidact.task;

import io.autodidact.loop.Problem;
import java.util.List;
import java.util.Objects;

/** A named held-out set of problems that a run evaluates on and reports separately, e.g. {@code 4-digit}. */
public record EvalSet(String name, List<Problem> problems) {
    public EvalSet {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("eval set name must not be blank");
        problems = List.copyOf(problems);
    }
}
