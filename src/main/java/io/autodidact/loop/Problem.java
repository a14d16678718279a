package io.autodidact.loop;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A task instance the policy is asked to solve. Only the prompt is required; the answer is what a
 * verifier compares against (absent for label-free recipes).
 */
public record Problem(
        String id,
        String prompt,
        Optional<String> answer,
        Optional<String> category,
        OptionalDouble difficulty,
        Map<String, String> metadata) {

    public Problem {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) throw new IllegalArgumentException("problem id must not be blank");
        Objects.requireNonNull(prompt, "prompt");
        if (prompt.isEmpty()) throw new IllegalArgumentException("problem " + id + ": prompt must not be empty");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(difficulty, "difficulty");
        metadata = Map.copyOf(metadata);
    }

    public static Problem of(String id, String prompt, String answer, double difficulty) {
        return new Problem(id, prompt, Optional.of(answer), Optional.empty(), OptionalDouble.of(difficulty), Map.of());
    }
}
