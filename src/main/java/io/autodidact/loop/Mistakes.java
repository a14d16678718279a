package io.autodidact.loop;

import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Plausible wrong solutions of a task: the kind of error its solvers make (a dropped carry, a misread digit), carried
 * through the rest of the solution as a solver would, so the stated answer is wrong too. Recipes that teach
 * correcting (SCoRe's review demonstrations) show such a solution and then the right one; an error only at the end
 * teaches nothing about finding one earlier.
 */
@FunctionalInterface
public interface Mistakes {
    /** A wrong completion for {@code d}'s prompt, or empty when {@code d}'s completion is not in the task's format. */
    Optional<String> mistaken(Demonstration d, RandomGenerator random);
}
